import { z } from "zod";
import { callbackSchema } from "../callbacks/callback-store.js";
import { appointmentBookSchema, appointmentMoveSchema, bookingRecordSchema, expressDecisionSchema, movedBookingSchema, refusalSchema, slotAvailabilitySchema } from "../callbacks/index.js";
import { callbackRequestSchema } from "../calls/callback-requests.js";
import type { CallManager } from "../calls/manager.js";
import type { TreeRegistry } from "../ivr/registry.js";
import {
  appointmentMovedPayloadSchema,
  appointmentReminderPayloadSchema,
  expressCreditPayloadSchema,
  expressUpgradePayloadSchema,
  historyPayloadSchema,
  JOB_KINDS,
  leadPayloadSchema,
  salePayloadSchema,
  type FailedJob,
  type JobKind,
  type KindCounts,
  type RetryResult,
} from "../jobs/index.js";
import { kpisSchema as metricsKpisSchema } from "../metrics/kpis.js";
import type { Report } from "../metrics/report.js";
import { REPORT_BY } from "../metrics/report.js";
import type { Scorecard } from "../metrics/scorecard.js";
import { SL_FORMULAS, type SlFormulaId } from "../metrics/service-level.js";
import type { StaffingResult } from "../metrics/staffing/erlang.js";
import { queueBoardSchema } from "../metrics/wallboard-snapshot.js";
import { agentStateSchema, deviceStateSchema } from "../queue/agent-states.js";
import type { AgentSnapshot, LaneSummary, QueueStatus, WaitingCaller } from "../queue/types.js";

/**
 * The admin API's answers as zod schemas: the OpenAPI document (openapi.ts) is converted from them, the
 * routes check their envelopes against them (`satisfies`), and the tests parse real answers with them.
 * Where the answer's type lives elsewhere as a TS interface, a compile-time check at the bottom keeps
 * the two from drifting apart. Each schema here is registered under its component name.
 */
export const adminSchemas = z.registry<{ id: string }>();
const named = <S extends z.ZodType>(id: string, schema: S): S => {
  adminSchemas.add(schema, { id });
  return schema;
};

const epochMs = z.number().describe("epoch milliseconds");
const count = z.number().int().min(0);
const share = z.number().nullable().describe("a share from 0 to 1; null when there is nothing to divide by yet");

export const errorSchema = named("Error", z.object({ error: z.string().describe("what was wrong, in words; never a stack trace") }).describe("An error answer."));

// ---- queues ----

export const waitingCallerSchema = named(
  "WaitingCaller",
  z.object({
    callId: z.string(),
    lane: z.string(),
    laneName: z.string().describe("the lane's display name"),
    position: z.number().int().min(1).describe("1-based place in the queue"),
    waitMs: z.number(),
    priority: z.number().int(),
    skills: z.record(z.string(), z.number()).describe("skills the caller needs, with the minimum level"),
    requeues: count.describe("times offered to an agent and put back"),
    ewtMs: z.number().nullable().describe("expected wait; null when nobody is staffed"),
  }),
);

export const agentSnapshotSchema = named(
  "AgentSnapshot",
  z.object({
    agentId: z.string(),
    endpoint: z.string(),
    state: agentStateSchema,
    forMs: z.number().describe("time in this state"),
    device: deviceStateSchema,
    pauseReason: z.string().optional(),
    skills: z.record(z.string(), z.number()),
    queues: z.array(z.string()),
    callId: z.string().optional().describe("the call it is ringing for, talking on or wrapping up"),
    wrapUpEndsInMs: z.number().optional(),
    idleMs: z.number().optional().describe("idle time, for available agents (longest idle is offered first)"),
  }),
);

export const laneSummarySchema = named(
  "LaneSummary",
  z.object({
    lane: z.string(),
    laneName: z.string(),
    waiting: count,
    oldestWaitMs: z.number(),
    sla: z.object({ seconds: z.number(), percent: z.number() }),
    overtakeWindowMs: z.number().describe("only callers arriving less than this after one of the lane's callers can overtake it"),
  }),
);

export const queueStatusSchema = named(
  "QueueStatus",
  z.object({
    queue: z.string(),
    displayName: z.string(),
    at: epochMs,
    waiting: count,
    idleAgents: count,
    staffedAgents: count,
    handleTimeMs: z.number(),
    handled: count,
    lanes: z.array(laneSummarySchema),
    callers: z.array(waitingCallerSchema).describe("in queue order; at most 200 per queue in the list, 1000 for one queue"),
    agents: z.array(agentSnapshotSchema),
  }),
);

export const queuesResponseSchema = named("QueueList", z.object({ queues: z.array(queueStatusSchema) }));

// ---- calls and trees ----

export const liveCallSchema = named(
  "LiveCall",
  z.object({
    callId: z.string(),
    serverId: z.string().describe("the Asterisk server (asterisk[].id) the call is on"),
    tree: z.string(),
    node: z.string(),
    status: z.string().describe("the IVR's state of the call: running, waiting, queued or ended"),
    callerNumber: z.string(),
    startedAt: epochMs,
  }),
);
export const callsResponseSchema = named("CallList", z.object({ calls: z.array(liveCallSchema) }));

export const treesResponseSchema = named(
  "TreeVersions",
  z.object({
    versions: z.array(z.object({ version: z.string(), pins: count.describe("calls still running on this version"), current: z.boolean() })),
    trees: z.array(z.string()).describe("the current version's tree names"),
  }),
);
export const reloadedSchema = named("TreesReloaded", z.object({ status: z.enum(["updated", "unchanged"]), version: z.string() }));
export const reloadRejectedSchema = named(
  "TreesRejected",
  z.object({
    status: z.literal("rejected"),
    running: z.string().describe("the version that keeps running"),
    errors: z.array(z.string()).describe("file:line:col diagnostics"),
  }),
);

// ---- jobs ----

export const jobKindSchema = named("JobKind", z.enum(JOB_KINDS as [JobKind, ...JobKind[]]));
export const jobsQuerySchema = z.object({ kind: jobKindSchema });

export const kindCountsSchema = named(
  "JobKindCounts",
  z.object({
    status: z.enum(["delivering", "no-webhook", "no-secret", "not-delivering-here"]).describe("why the kind is or is not being delivered by this daemon"),
    waiting: count,
    active: count,
    delayed: count.describe("waiting out a backoff before the next attempt"),
    failed: count,
    completed: count,
  }),
);
export const jobCountsResponseSchema = named("JobCounts", z.object({ kinds: z.record(jobKindSchema, kindCountsSchema) }));

const payloadSchema = z.union([
  named("LeadPayload", leadPayloadSchema),
  named("SalePayload", salePayloadSchema),
  named("ExpressUpgradePayload", expressUpgradePayloadSchema),
  named("ExpressCreditPayload", expressCreditPayloadSchema),
  named("HistoryPayload", historyPayloadSchema),
  named("AppointmentMovedPayload", appointmentMovedPayloadSchema),
  named("AppointmentReminderPayload", appointmentReminderPayloadSchema),
]);

export const failedJobSchema = named(
  "FailedJob",
  z.object({
    id: z.string(),
    kind: jobKindSchema,
    reason: z.string(),
    attemptsMade: count,
    createdAt: z.string().describe("ISO date-time"),
    failedAt: z.string().optional().describe("ISO date-time"),
    payload: payloadSchema.describe("the job's payload, as published (lead, sale, express-upgrade, express-credit, history, appointment-moved or appointment-reminder)"),
  }),
);
export const failedJobsResponseSchema = named("FailedJobList", z.object({ failed: z.array(failedJobSchema).describe("newest first, at most 50") }));
export const retriedAllSchema = named("RetriedCount", z.object({ retried: count.describe("jobs put back in line") }));
export const retryResultSchema = named("RetryResult", z.object({ result: z.enum(["retried", "not-found", "not-failed"]) }));

// ---- reports and staffing ----

const slFormulaSchema = z.enum(Object.keys(SL_FORMULAS) as [SlFormulaId, ...SlFormulaId[]]);
const ms = z.number().nullable();

export const kpisSchema = named("Kpis", metricsKpisSchema);

export const scorecardSchema = named(
  "Scorecard",
  z.object({
    quality: z.number().nullable(),
    revenue: z.number().nullable(),
    score: z.number().nullable(),
    flags: z.array(z.string()),
  }),
);

export const reportSchema = named(
  "Report",
  z.object({
    from: z.string().describe("ISO date-time"),
    to: z.string().describe("ISO date-time"),
    by: z.enum(REPORT_BY),
    queue: z.string().optional().describe("the queue the rows are of (by day or interval); absent: the whole site"),
    timeZone: z.string(),
    resolution: z.enum(["interval", "day"]).describe("which periods were read: 15-minute intervals or whole days"),
    serviceLevelFormula: slFormulaSchema,
    rows: z.array(z.object({ key: z.string(), kpis: kpisSchema, scorecard: scorecardSchema.optional().describe("by=agent only") })),
    total: kpisSchema,
  }),
);

export const callbackViewSchema = named("Callback", callbackSchema.omit({ call: true }).describe("A queued call back: its kept place (queue, lane, first join), the number, its attempts and state."));
export const callbacksResponseSchema = named("Callbacks", z.object({ callbacks: z.array(callbackViewSchema).describe("Open call backs, oldest first.") }));
export const callbackResponseSchema = named("CallbackAnswer", z.object({ callback: callbackViewSchema }));
export const callbackRequestBodySchema = named("CallbackRequest", callbackRequestSchema.describe("A call back asked for outside a call: it keeps a place joined now."));
export type CallbacksResponse = z.infer<typeof callbacksResponseSchema>;
export type CallbackResponse = z.infer<typeof callbackResponseSchema>;

// ---- appointments ----

export const appointmentSlotSchema = named("AppointmentSlot", slotAvailabilitySchema);
export const appointmentSlotsSchema = named(
  "AppointmentSlots",
  z.object({
    queue: z.string(),
    timeZone: z.string().describe("the calendar's zone: each slot's `day` and `time` are local there"),
    slots: z.array(appointmentSlotSchema).describe("in time order; `room` is what each kind of customer may book now"),
  }),
);
export const appointmentSchema = named("Appointment", bookingRecordSchema);
export const movedAppointmentSchema = named("MovedAppointment", movedBookingSchema);
export const expressDecisionBodySchema = named("ExpressDecision", expressDecisionSchema);
export const appointmentRequestSchema = named("AppointmentRequest", appointmentBookSchema.describe("A booking: the slot by its start, whom to call, and express as the CRM record allows."));
export const appointmentMoveRequestSchema = named("AppointmentMoveRequest", appointmentMoveSchema);
export const appointmentBookedSchema = named(
  "AppointmentBooked",
  z.object({
    booking: appointmentSchema,
    moves: z.array(movedAppointmentSchema).describe("standard bookings moved to make room (an express booking on a full slot): their customers are sent an appointment-moved notice"),
    replayed: z.boolean().describe("the id was booked before: this is that booking, nothing was written"),
    express: expressDecisionBodySchema,
  }),
);
export const appointmentRefusedSchema = named(
  "AppointmentRefused",
  z
    .object({ error: z.string(), reason: z.enum([...refusalSchema.options, "cancelled"]) })
    .describe("No place: the slot is full (for this kind of customer), has started, or lies beyond the horizon; or the booking to move is cancelled."),
);
const callbackLinkSchema = z.object({ id: z.string(), state: z.string() }).nullable().describe("the call back the appointment became at its time (GET /callbacks/{id}); null before");
export const appointmentResponseSchema = named("AppointmentAnswer", z.object({ booking: appointmentSchema, callback: callbackLinkSchema }));
export const appointmentCancelledSchema = named(
  "AppointmentCancelled",
  z.object({ booking: appointmentSchema, cancelled: z.boolean().describe("false: it was cancelled before"), callback: callbackLinkSchema.describe("its call back and its state after: `cancelled`, or still `dialing`/`connected` when it was being dialled") }),
);
export const appointmentMovedSchema = named("AppointmentMoved", z.object({ booking: appointmentSchema, moved: z.boolean().describe("false: it was in that slot already") }));
export type AppointmentSlots = z.infer<typeof appointmentSlotsSchema>;
export type AppointmentBooked = z.infer<typeof appointmentBookedSchema>;
export type AppointmentRefused = z.infer<typeof appointmentRefusedSchema>;
export type AppointmentResponse = z.infer<typeof appointmentResponseSchema>;
export type AppointmentCancelled = z.infer<typeof appointmentCancelledSchema>;
export type AppointmentMoved = z.infer<typeof appointmentMovedSchema>;

export const staffingNowSchema = named(
  "StaffingNow",
  z.object({
    at: z.string().describe("ISO date-time"),
    queues: z.array(queueBoardSchema.pick({ queue: true, staffed: true, needed: true, waiting: true })),
  }),
);

export const staffingResultSchema = named(
  "StaffingResult",
  z.object({
    agents: count.describe("agents to schedule: agents on the phones grossed up for shrinkage"),
    agentsOnPhones: count,
    trafficErlangs: z.number(),
    model: z.enum(["erlang-c", "erlang-a"]),
    waitProbability: z.number(),
    serviceLevel: z.number(),
    asa: z.number().describe("average speed of answer, seconds"),
    occupancy: z.number(),
    abandonRate: z.number().optional().describe("Erlang A only"),
  }),
);

// ---- the document itself ----

export const openApiDocumentSchema = named(
  "OpenApiDocument",
  z.object({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.object({ title: z.string(), version: z.string(), description: z.string().optional() }),
    servers: z.array(z.object({ url: z.string(), description: z.string().optional() })),
    security: z.array(z.record(z.string(), z.array(z.string()))),
    tags: z.array(z.object({ name: z.string(), description: z.string() })),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
);

export type ErrorBody = z.infer<typeof errorSchema>;
export type QueuesResponse = z.infer<typeof queuesResponseSchema>;
export type CallsResponse = z.infer<typeof callsResponseSchema>;
export type TreesResponse = z.infer<typeof treesResponseSchema>;
export type Reloaded = z.infer<typeof reloadedSchema>;
export type ReloadRejected = z.infer<typeof reloadRejectedSchema>;
export type JobCountsResponse = z.infer<typeof jobCountsResponseSchema>;
export type FailedJobsResponse = z.infer<typeof failedJobsResponseSchema>;
export type RetriedAll = z.infer<typeof retriedAllSchema>;
export type RetryResultBody = z.infer<typeof retryResultSchema>;
export type StaffingNow = z.infer<typeof staffingNowSchema>;

// ---- the schemas above against the types the answers are built from ----

/** A value as JSON carries it: a property that may be undefined may be missing (JSON.stringify drops it). */
type Json<T> = T extends readonly (infer U)[]
  ? Json<U>[]
  : T extends object
    ? { [K in keyof T as undefined extends T[K] ? never : K]: Json<T[K]> } & { [K in keyof T as undefined extends T[K] ? K : never]?: Json<Exclude<T[K], undefined>> }
    : T;
/** Each assignable to the other: the schema neither leaves out a field the code sends nor promises one it does not. */
type Same<A, B> = [Json<A>] extends [Json<B>] ? ([Json<B>] extends [Json<A>] ? true : false) : false;
type Holds<T extends true> = T;

export type SchemasMatchTheCode = [
  Holds<Same<QueueStatus, z.infer<typeof queueStatusSchema>>>,
  Holds<Same<WaitingCaller, z.infer<typeof waitingCallerSchema>>>,
  Holds<Same<AgentSnapshot, z.infer<typeof agentSnapshotSchema>>>,
  Holds<Same<LaneSummary, z.infer<typeof laneSummarySchema>>>,
  Holds<Same<ReturnType<CallManager["list"]>[number], z.infer<typeof liveCallSchema>>>,
  Holds<Same<ReturnType<TreeRegistry["versions"]>, TreesResponse["versions"]>>,
  Holds<Same<KindCounts, z.infer<typeof kindCountsSchema>>>,
  Holds<Same<FailedJob, z.infer<typeof failedJobSchema>>>,
  Holds<Same<RetryResult, RetryResultBody["result"]>>,
  Holds<Same<Scorecard, z.infer<typeof scorecardSchema>>>,
  Holds<Same<Report, z.infer<typeof reportSchema>>>,
  Holds<Same<StaffingResult, z.infer<typeof staffingResultSchema>>>,
];
