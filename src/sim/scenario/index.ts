/** Synthetic callers, agent phones and scenario files for the PBX simulator. */
export { parseScenario, loadScenario, scenarioSchema, callerProfileSchema, agentSpecSchema, ScenarioError, formatProblem } from "./schema.js";
export type { Scenario, CallerProfile, AgentSpec, AgentSpecInput, ScenarioProblem } from "./schema.js";
export { callerSpecSchema, promptRuleSchema, timedDtmfSchema } from "./caller-spec.js";
export type { CallerSpec, CallerSpecInput, PromptRule, TimedDtmf } from "./caller-spec.js";
export { distributionSchema, sample, deriveSeed } from "./distribution.js";
export type { Distribution } from "./distribution.js";
export { planArrivals, resolveCaller } from "./arrivals.js";
export type { PlannedCall } from "./arrivals.js";
export type { CallRecord, HeardMedia, BridgeStay, CallPhase, HangupReason } from "./call-record.js";
export type { AgentView } from "./agent.js";
export { inboundDialplan, installInboundDialplan, INBOUND_CONTEXT, TRUNK } from "./inbound-dialplan.js";
export { ScenarioRunner, scenarioMedia, scenarioSimulatorOptions } from "./runner.js";
export type { ScenarioSummary } from "./runner.js";
export { customerSpecSchema, customerBehaviourSchema, customerPatchSchema, customersSectionSchema } from "./customer-spec.js";
export type { CustomerAnswer, CustomerBehaviour, CustomerPatch, CustomerSpec, CustomerSpecInput, CustomersSection, CustomersSectionInput } from "./customer-spec.js";
export type { CustomerCallRecord, CustomerOutcome, CustomerCallState } from "./customer-record.js";
export type { CustomerView, CustomerDefaultsView, CustomerCounts } from "./customer-book.js";
