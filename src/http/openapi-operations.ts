import { z } from "zod";
import {
  callbackRequestBodySchema,
  callbackResponseSchema,
  callbacksResponseSchema,
  callsResponseSchema,
  errorSchema,
  failedJobsResponseSchema,
  jobCountsResponseSchema,
  jobsQuerySchema,
  openApiDocumentSchema,
  queuesResponseSchema,
  queueStatusSchema,
  reloadedSchema,
  reloadRejectedSchema,
  reportSchema,
  retriedAllSchema,
  retryResultSchema,
  staffingNowSchema,
  staffingResultSchema,
  treesResponseSchema,
} from "./openapi-schemas.js";
import {
  appointmentBookedSchema,
  appointmentCancelledSchema,
  appointmentMovedSchema,
  appointmentMoveRequestSchema,
  appointmentRefusedSchema,
  appointmentRequestSchema,
  appointmentResponseSchema,
  appointmentSlotsSchema,
} from "./openapi-schemas.js";
import { slotsParams } from "./appointments.js";
import { reportParams, staffingParams } from "./reports.js";

/**
 * Every admin route as data: its method and path as the router registers them, its parameters and its
 * answers as zod schemas. openapi.ts turns this table into the OpenAPI document; the tests hold the
 * table against the router's own routes and against the daemon's real answers.
 */
export interface ParamDoc {
  description: string;
  /** A value the route accepts (the tests call the route with it). */
  example: string | number;
}

export interface QueryDoc {
  schema: z.ZodObject;
  params: Record<string, ParamDoc>;
}

export interface ResponseDoc {
  description: string;
  /** The JSON body's schema (one registered in openapi-schemas.ts). */
  json?: z.ZodType;
  /** Other media types the answer may have, with what selects them. */
  text?: Record<string, string>;
}

export interface OperationDoc {
  method: "get" | "post" | "put" | "delete";
  /** Relative to the admin router (mounted at /admin), in express' syntax: `/jobs/:id/retry`. */
  route: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  path?: Record<string, ParamDoc>;
  query?: QueryDoc;
  /** The JSON request body's schema (registered in openapi-schemas.ts), with an example the tests send. */
  body?: { schema: z.ZodType; example: Record<string, unknown> };
  /** A request body of another media type (a CSV upload). */
  textBody?: { type: string; description: string; example: string };
  /** Served elsewhere than under /admin (its server's URL), with its own credential (a security scheme's name). */
  server?: string;
  security?: string;
  /** The route's own answers; 401, 503 and 500 are added to every operation. */
  responses: Record<number, ResponseDoc>;
}

/** A query's documentation, with a name check: every parameter of the schema is described, and no other. */
function query<S extends z.ZodObject>(schema: S, params: { [K in keyof S["shape"]]: ParamDoc }): QueryDoc {
  return { schema, params };
}

const badPath = { description: "The path is not valid percent-encoding.", json: errorSchema };

export const EXAMPLE_CALLBACK_ID = "cb-00000000-0000-0000-0000-000000000000";
const callbackId = { id: { description: "The call back's id: the caller's call id, or `cb-...` for one asked for outside a call.", example: EXAMPLE_CALLBACK_ID } };

export const EXAMPLE_APPOINTMENT_ID = "ap-00000000-0000-0000-0000-000000000000";
const appointmentId = { id: { description: "The booking's id (given when booking, or `ap-...`).", example: EXAMPLE_APPOINTMENT_ID } };
const appointmentErrors = {
  400: { description: "The body or path is not valid (the reason names the field), or no slot of the queue starts at `slotStart`.", json: errorSchema },
  404: { description: "No such booking, or no calendar for the queue.", json: errorSchema },
};

export const operations: OperationDoc[] = [
  {
    method: "get",
    route: "/queues",
    operationId: "listQueues",
    tag: "queues",
    summary: "Every queue's status",
    description: "Per queue: waiting callers with lane, position, wait and expected wait (the first 200); agents with their states and phones; lanes with their service-level targets.",
    responses: { 200: { description: "The queues, in configuration order.", json: queuesResponseSchema } },
  },
  {
    method: "get",
    route: "/queues/:name",
    operationId: "getQueue",
    tag: "queues",
    summary: "One queue's status",
    description: "As in the list, with up to 1000 waiting callers.",
    path: { name: { description: "The queue's name as configured (queues.<name>).", example: "support" } },
    responses: {
      200: { description: "The queue's status.", json: queueStatusSchema },
      400: badPath,
      404: { description: "No queue of that name is configured.", json: errorSchema },
    },
  },
  {
    method: "get",
    route: "/calls",
    operationId: "listCalls",
    tag: "calls",
    summary: "Live calls",
    description: "Calls this daemon has in the IVR or the queue, on every Asterisk server.",
    responses: { 200: { description: "The calls.", json: callsResponseSchema } },
  },
  {
    method: "get",
    route: "/trees",
    operationId: "listTrees",
    tag: "trees",
    summary: "IVR tree versions",
    description: "The loaded versions with the calls still pinned to each, and the current version's trees.",
    responses: { 200: { description: "The versions and trees.", json: treesResponseSchema } },
  },
  {
    method: "post",
    route: "/trees/reload",
    operationId: "reloadTrees",
    tag: "trees",
    summary: "Reload the IVR trees from disk",
    description: "Reads and validates the tree directory; if it validates, new calls start on the new version (running calls keep theirs).",
    responses: {
      200: { description: "Loaded (`updated`) or the same content as running (`unchanged`).", json: reloadedSchema },
      422: { description: "The trees on disk do not validate; the running version stays.", json: reloadRejectedSchema },
    },
  },
  {
    method: "get",
    route: "/jobs",
    operationId: "getJobCounts",
    tag: "jobs",
    summary: "Webhook job counts per kind",
    description: "Waiting, active, delayed, failed and completed jobs of each kind, and whether this daemon delivers the kind.",
    responses: { 200: { description: "Counts by kind.", json: jobCountsResponseSchema } },
  },
  {
    method: "get",
    route: "/jobs/failed",
    operationId: "listFailedJobs",
    tag: "jobs",
    summary: "Failed jobs of a kind",
    description: "The newest 50, with the payload (customer data: admin-only).",
    query: query(jobsQuerySchema, { kind: { description: "The job kind.", example: "lead" } }),
    responses: {
      200: { description: "The failed jobs, newest first.", json: failedJobsResponseSchema },
      400: { description: "`kind` is missing or not a job kind.", json: errorSchema },
    },
  },
  {
    method: "post",
    route: "/jobs/failed/retry",
    operationId: "retryFailedJobs",
    tag: "jobs",
    summary: "Retry every failed job of a kind",
    description: "Each goes back in line with a fresh set of attempts.",
    query: query(jobsQuerySchema, { kind: { description: "The job kind.", example: "lead" } }),
    responses: {
      202: { description: "How many jobs went back in line.", json: retriedAllSchema },
      400: { description: "`kind` is missing or not a job kind.", json: errorSchema },
    },
  },
  {
    method: "post",
    route: "/jobs/:id/retry",
    operationId: "retryJob",
    tag: "jobs",
    summary: "Retry one failed job",
    description: "The job goes back in line with a fresh set of attempts. The answer's `result` says what happened, also on 404 and 409.",
    path: { id: { description: "The job's id, as listed by GET /jobs/failed.", example: "lead-0123456789abcdef0123456789abcdef" } },
    responses: {
      202: { description: "Back in line (`result: retried`).", json: retryResultSchema },
      400: badPath,
      404: { description: "No such job (`result: not-found`).", json: retryResultSchema },
      409: { description: "The job is not in the failed list (`result: not-failed`): waiting, delivered, or retried already.", json: retryResultSchema },
    },
  },
  {
    method: "get",
    route: "/callbacks",
    operationId: "listCallbacks",
    tag: "callbacks",
    summary: "Open call backs",
    description: "Call backs waiting at their kept place or being dialled, oldest first (docs/callbacks.md).",
    responses: { 200: { description: "The open call backs.", json: callbacksResponseSchema } },
  },
  {
    method: "post",
    route: "/callbacks",
    operationId: "createCallback",
    tag: "callbacks",
    summary: "Ask for a call back",
    description: "Joins the queue now, in the given lane (default: the queue's last), as a call back: the agent is rung first when its place reaches the front, then the number is dialled.",
    body: { schema: callbackRequestBodySchema, example: { queue: "support", number: "5551003", name: "Carla Diaz", reason: "web request" } },
    responses: {
      201: { description: "Booked: the call back with its place.", json: callbackResponseSchema },
      400: { description: "The body is not a call-back request (the reason names the field).", json: errorSchema },
      404: { description: "No such queue or lane.", json: errorSchema },
      409: { description: "The queue would not take it now (full, or nobody staffed).", json: errorSchema },
    },
  },
  {
    method: "get",
    route: "/callbacks/:id",
    operationId: "getCallback",
    tag: "callbacks",
    summary: "One call back",
    description: "Also a finished one, for a day after it finished.",
    path: callbackId,
    responses: { 200: { description: "The call back.", json: callbackResponseSchema }, 400: badPath, 404: { description: "No call back of that id.", json: errorSchema } },
  },
  {
    method: "delete",
    route: "/callbacks/:id",
    operationId: "cancelCallback",
    tag: "callbacks",
    summary: "Cancel a call back",
    description: "Only one waiting at its place (not being dialled); the place leaves the queue.",
    path: callbackId,
    responses: {
      200: { description: "Cancelled.", json: callbackResponseSchema },
      400: badPath,
      404: { description: "No call back of that id.", json: errorSchema },
      409: { description: "It is being dialled, connected or finished.", json: errorSchema },
    },
  },
  {
    method: "get",
    route: "/appointments/slots",
    operationId: "listAppointmentSlots",
    tag: "appointments",
    summary: "A queue's appointment slots and their room",
    description:
      "Each slot with its capacity, the places held for express customers (`expressHeld`, released to everyone at the cut-off), what is booked, and the places each kind of customer may book now (`room.standard`, `room.express`). Parameters other than these are refused (400).",
    query: query(slotsParams, {
      queue: { description: "The queue whose calendar (appointments.<queue>).", example: "support" },
      from: { description: "Start: an ISO date-time, epoch ms, or YYYY-MM-DD (that day's start in the queue's zone). Default now.", example: "2026-12-08" },
      to: { description: "End (exclusive), as `from`; a day means its end. Default the end of the booking horizon; at most 31 days after `from`.", example: "2026-12-09" },
    }),
    responses: {
      200: { description: "The slots in time order.", json: appointmentSlotsSchema },
      400: { description: "A parameter is missing or malformed, or the range is empty or over 31 days.", json: errorSchema },
      404: { description: "The queue has no appointment calendar.", json: errorSchema },
    },
  },
  {
    method: "post",
    route: "/appointments",
    operationId: "bookAppointment",
    tag: "appointments",
    summary: "Book an appointment",
    description:
      "Books a place in the slot starting at `slotStart`. Express is what the customer's CRM record (found by `number`, and required to be `customerId`'s when given) entitles them to on the slot's day: `express: true` is refused (403) without the entitlement, left out it is granted when entitled, `false` books standard. An express booking on a full slot moves the slot's latest standard booking to the nearest slot with room (before the cut-off); `moves` lists it and its customer is sent an appointment-moved notice. The call back joins the queue `callAheadMinutes` before the slot; a reminder goes out `reminderMinutes` before.",
    body: { schema: appointmentRequestSchema, example: { queue: "support", slotStart: "2026-12-08T15:30:00+01:00", number: "5551003", name: "Carla Diaz", customerId: "c-1003", reason: "router setup" } },
    responses: {
      200: { description: "The id was booked before: that booking (`replayed: true`), nothing changed.", json: appointmentBookedSchema },
      201: { description: "Booked, with the express decision and any booking moved to make room.", json: appointmentBookedSchema },
      400: appointmentErrors[400],
      403: { description: "Express asked for, and the customer's record does not entitle them (or the number is not the named customer's).", json: errorSchema },
      404: { description: "The queue has no appointment calendar.", json: errorSchema },
      409: { description: "No place: the slot is full for this kind of customer, has started, or lies beyond the horizon (`reason`).", json: appointmentRefusedSchema },
      502: { description: "Express asked for, and the CRM failed or timed out: nothing was booked.", json: errorSchema },
    },
  },
  {
    method: "get",
    route: "/appointments/:id",
    operationId: "getAppointment",
    tag: "appointments",
    summary: "One appointment",
    description: "Also a cancelled one, until it expires (30 days after its slot); with the call back it became at its time.",
    path: appointmentId,
    responses: { 200: { description: "The booking.", json: appointmentResponseSchema }, ...appointmentErrors },
  },
  {
    method: "delete",
    route: "/appointments/:id",
    operationId: "cancelAppointment",
    tag: "appointments",
    summary: "Cancel an appointment",
    description: "Frees the place and drops its call and reminder. A call back it already became is cancelled too while it waits in the queue (one being dialled goes on). Cancelling again changes nothing (`cancelled: false`).",
    path: appointmentId,
    responses: { 200: { description: "Cancelled (or cancelled before).", json: appointmentCancelledSchema }, ...appointmentErrors },
  },
  {
    method: "post",
    route: "/appointments/:id/move",
    operationId: "moveAppointment",
    tag: "appointments",
    summary: "Move an appointment to another slot",
    description: "To another slot of its queue, under the same rules as a new booking of its kind; no rebalancing. Its call and reminder move with it.",
    path: appointmentId,
    body: { schema: appointmentMoveRequestSchema, example: { slotStart: "2026-12-08T16:00:00+01:00" } },
    responses: {
      200: { description: "Moved (`moved: false`: it was in that slot already).", json: appointmentMovedSchema },
      ...appointmentErrors,
      409: { description: "No place in that slot (`reason`), or the booking is cancelled.", json: appointmentRefusedSchema },
    },
  },
  {
    method: "get",
    route: "/reports",
    operationId: "getReport",
    tag: "reports",
    summary: "KPI report over a period",
    description:
      "The KPIs of each group (queue, lane, agent, ...) and of the whole period. Periods within the 15-minute retention are read from 15-minute intervals, longer ones from whole days. `format` selects the answer's media type. Parameters other than these are refused (400).",
    query: query(reportParams, {
      from: { description: "Start: `YYYY-MM-DD` (the day's start in the site's time zone), an ISO date-time, `today` or `now`.", example: "today" },
      to: { description: "End, as `from`; a date means the end of that day.", example: "now" },
      by: { description: "How rows are grouped.", example: "queue" },
      queue: { description: "With `by=day` or `by=interval`: the rows of this queue instead of the whole site's (its express KPIs per day, for example).", example: "support" },
      format: { description: "`json` (application/json), `csv` (text/csv) or `table` (text/plain, for a terminal).", example: "json" },
    }),
    responses: {
      200: {
        description: "The report.",
        json: reportSchema,
        text: { "text/csv": "With format=csv: one row per group and a total row, the same columns as the table.", "text/plain": "With format=table: one block per group, for a terminal." },
      },
      400: { description: "A parameter is missing or malformed, `to` is not after `from`, the period is over 400 days, or by=interval reaches past the intervals' retention.", json: errorSchema },
    },
  },
  {
    method: "get",
    route: "/staffing",
    operationId: "getStaffing",
    tag: "staffing",
    summary: "Agents staffed and needed now, per queue",
    description: "`needed` is what the last hour's load needs on the phones (Erlang C against the queue's strictest lane target); null without load.",
    responses: { 200: { description: "Per queue.", json: staffingNowSchema } },
  },
  {
    method: "get",
    route: "/staffing/calculate",
    operationId: "calculateStaffing",
    tag: "staffing",
    summary: "Agents needed for given figures (Erlang C or A)",
    description: "Erlang C, or Erlang A when `patience` is given (docs/staffing.md). Parameters other than these are refused (400).",
    query: query(staffingParams, {
      calls: { description: "Calls offered in the interval (forecast).", example: 100 },
      interval: { description: "The interval's length in minutes.", example: 30 },
      aht: { description: "Average handle time in seconds (talk + hold + wrap-up).", example: 180 },
      target: { description: "Service-level target as `<percent>/<seconds>`: 80/20 is 80% answered within 20 seconds.", example: "80/20" },
      shrinkage: { description: "Share of paid time not on the phones, from 0 to below 1 (0.3 is 30%). Default 0.", example: 0.3 },
      patience: { description: "Callers' mean patience in seconds; switches to Erlang A.", example: 120 },
    }),
    responses: {
      200: { description: "The agents needed and what they achieve.", json: staffingResultSchema },
      400: { description: "A figure is missing or out of range, or the target cannot be met.", json: errorSchema },
    },
  },
  {
    method: "get",
    route: "/openapi.json",
    operationId: "getOpenApiDocument",
    tag: "meta",
    summary: "This document",
    description: "The admin API described in OpenAPI 3.1; load it in an OpenAPI tool with the same bearer token.",
    responses: { 200: { description: "The OpenAPI document.", json: openApiDocumentSchema } },
  },
];

export const tags = [
  { name: "queues", description: "Callers waiting and agents, per queue." },
  { name: "calls", description: "Calls in the IVR and the queue." },
  { name: "trees", description: "IVR tree versions and hot reload." },
  { name: "jobs", description: "Webhook jobs (leads, sales, express upgrades, history): counts, failures, retries." },
  { name: "appointments", description: "Appointment calendars: slots, booking with express slots, cancelling and moving (docs/callbacks.md)." },
  { name: "reports", description: "KPI reports." },
  { name: "staffing", description: "Agents needed: now per queue, and Erlang calculations." },
  { name: "meta", description: "The API's own description." },
];
