/** The caller queue: the interface the call layer, the admin API and metrics use. */
export { CallerQueue, systemClock, type CallerQueueOptions, type Clock } from "./caller-queue.js";
export * from "./types.js";
export { QueueError, type QueueErrorCode } from "./errors.js";
export { parseEvent, readEvents, queueEventSchema, type QueueEvent, type QueueEventType } from "./events.js";
export { expectedWait, nextHandleTime, waitQuantile, type EwtInput } from "./ewt.js";
export {
  ADMISSION_READ_LIMIT,
  admissionState,
  admissionStateSchema,
  overflows,
  decideAdmission,
  type AdmissionDecision,
  type AdmissionRead,
  type AdmissionState,
} from "./admission.js";
export { callerScore, compareRanked, laneFromConfig, mayOvertake, overtakeWindowMs, type Lane } from "./scoring.js";
export { laneBounds, resolveSite, type QueueSettings, type SiteSettings } from "./settings.js";
export {
  TRANSITIONS,
  agentStateSchema,
  deviceStateSchema,
  isDispatchable,
  isStaffed,
  transitionError,
  type AgentState,
  type DeviceState,
} from "./agent-states.js";
export { QueueKeys } from "./keys.js";
