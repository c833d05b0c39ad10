import { z } from "zod";
import { agentStateSchema, allowedMoves, type AgentState } from "../queue/agent-states.js";
import { agentIdSchema, callIdSchema, nameSchema } from "../queue/types.js";
import type { ScreenPop } from "./pop.js";

/**
 * The agent WebSocket's messages, one JSON object per frame. Client messages may carry an `id`; the hub
 * answers each with `ok` or `error` bearing the same id, so the page can tell which click was recorded.
 */

/** The subprotocol the page asks for; the session token may ride along as a second protocol value. */
export const CTI_SUBPROTOCOL = "switchboard.agent.v1";
export const WS_PATH = "/agent/ws";
/** Close codes: the page goes back to its login form on AUTH, and reconnects on anything else. */
export const CLOSE_AUTH = 4401;
/** The socket left more unread than the daemon keeps for it (a stalled tab); the page reconnects. */
export const CLOSE_SLOW = 4408;

const requestId = z.string().min(1).max(64).optional();

const outcomeFields = {
  callId: callIdSchema,
  offerId: z.string().min(1).max(128),
  outcome: z.enum(["presented", "declined", "interested", "sold"]),
  /** The amount sold, in the offer's currency; only with "sold". */
  amount: z.number().nonnegative().max(1e9).optional(),
};
const amountOnlyWhenSold: [(o: { outcome: string; amount?: number | undefined }) => boolean, { message: string; path: string[] }] = [
  (o) => o.amount === undefined || o.outcome === "sold",
  { message: "amount goes with outcome sold only", path: ["amount"] },
];

export const offerOutcomeSchema = z.object(outcomeFields).strict().refine(...amountOnlyWhenSold);
export type OfferOutcome = z.infer<typeof offerOutcomeSchema>;

const dispositionFields = {
  callId: callIdSchema,
  /** A short code such as resolved or follow-up (the page offers a list). */
  disposition: z.string().trim().min(1).max(64),
  notes: z.string().max(4000).optional(),
  /** Overrides the queue's wrap-up for this call. */
  wrapUpSeconds: z.number().min(0).max(3600).optional(),
};
export const dispositionSchema = z.object(dispositionFields).strict();
export type Disposition = z.infer<typeof dispositionSchema>;

/**
 * The soft-phone's controls on the agent's current call (calls/softphone.ts carries them out over ARI);
 * `complete` and `cancel` end a consultation: the caller goes to the agent consulted, or the agent back to the caller.
 */
export const phoneActionSchema = z.enum(["hold", "resume", "mute", "unmute", "end", "complete", "cancel"]);
export type PhoneAction = z.infer<typeof phoneActionSchema>;

export const clientMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auth"), id: requestId, token: z.string().min(1).max(1024) }).strict(),
  z
    .object({ type: z.literal("state"), id: requestId, state: z.enum(["available", "paused", "offline"]), reason: z.string().trim().min(1).max(200).optional() })
    .strict()
    .refine((m) => (m.state === "paused") === (m.reason !== undefined), { message: "a pause needs a reason, and only a pause has one", path: ["reason"] }),
  z.object({ type: z.literal("ack"), id: requestId, callId: callIdSchema }).strict(),
  z.object({ type: z.literal("outcome"), id: requestId, ...outcomeFields }).strict().refine(...amountOnlyWhenSold),
  z.object({ type: z.literal("disposition"), id: requestId, ...dispositionFields }).strict(),
  z.object({ type: z.literal("phone"), id: requestId, callId: callIdSchema, action: phoneActionSchema }).strict(),
  /** Blind transfer: the caller goes to a queue (of the desk's `transferQueues`) or to an agent (of its `agents`). */
  z
    .object({ type: z.literal("transfer"), id: requestId, callId: callIdSchema, queue: nameSchema.optional(), agent: agentIdSchema.optional() })
    .strict()
    .refine((m) => (m.queue === undefined) !== (m.agent === undefined), { message: "name a queue or an agent, one of them", path: ["queue"] }),
  /** Consultation: another agent (or a queue's longest-idle agent) is rung while the caller holds. */
  z
    .object({ type: z.literal("consult"), id: requestId, callId: callIdSchema, queue: nameSchema.optional(), agent: agentIdSchema.optional() })
    .strict()
    .refine((m) => (m.queue === undefined) !== (m.agent === undefined), { message: "name a queue or an agent, one of them", path: ["queue"] }),
  /** Answers the call ringing on the agent's phone from the desk (when the phone allows it). */
  z.object({ type: z.literal("accept"), id: requestId, callId: callIdSchema }).strict(),
  /** Preview pacing: call the customer on the card (the agent's phone rings first), or skip them (never dialled). */
  z.object({ type: z.literal("preview"), id: requestId, callId: callIdSchema, choice: z.enum(["call", "skip"]) }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** What the page shows as the agent's state; queue-side changes (ringing, wrap-up, auto-pause) included. */
export const agentStatusSchema = z
  .object({
    state: agentStateSchema,
    reason: z.string().max(200).optional(),
    /** Epoch milliseconds at which wrap-up ends. */
    wrapUpUntil: z.number().int().positive().optional(),
  })
  .strict();
export type AgentStatus = z.infer<typeof agentStatusSchema>;

/** The moves the desktop may ask for (available, paused, offline), as the queue's state table allows them now. */
export type DeskMove = "available" | "paused" | "offline";
const DESK_MOVES: readonly AgentState[] = ["available", "paused", "offline"];
export function deskMoves(state: AgentState): DeskMove[] {
  return allowedMoves(state, "agentState").filter((s): s is DeskMove => DESK_MOVES.includes(s));
}

/** A status as the page gets it: with the moves it may offer (the others' buttons are disabled). */
export type StatusView = AgentStatus & { allowed: DeskMove[] };
export const statusView = (s: AgentStatus): StatusView => ({ ...s, allowed: deskMoves(s.state) });

/**
 * The phone line of a call on the desk, beside its pop (which the page keeps as it is, so notes being
 * typed survive): ringing, talking or ended, on hold, muted; times in epoch milliseconds.
 */
export const lineSchema = z
  .object({
    callId: z.string().min(1).max(128),
    /** preview: nothing dialled yet, the agent chooses Call or Skip (preview pacing) by `previewUntil`. */
    state: z.enum(["preview", "ringing", "talking", "ended"]),
    held: z.boolean(),
    muted: z.boolean(),
    /** A consultation the agent holds the caller for: whom, ringing or talking (null once over). */
    consult: z.object({ name: z.string().max(200), state: z.enum(["ringing", "talking"]) }).nullable().optional(),
    /** On the consulted agent's desk: the caller's card during a consultation, by the consulting agent's name (null once the call is theirs). */
    consultFrom: z.string().max(200).nullable().optional(),
    ringingAt: z.number().optional(),
    previewUntil: z.number().optional(),
    answeredAt: z.number().optional(),
    endedAt: z.number().optional(),
  })
  .strict();
export type Line = z.infer<typeof lineSchema>;
export type LinePatch = Partial<Omit<Line, "callId">>;

/** What the page offers beside the pops: the wrap-up codes (cti.wrapUpCodes, in key order) and where a call can be transferred. */
export interface DeskMenu {
  wrapUpCodes: Array<{ code: string; label: string }>;
  transferQueues: Array<{ id: string; name: string }>;
  /** The agents a call can be transferred to or consulted with by name (the page leaves its own agent out). */
  agents?: Array<{ id: string; name: string }>;
  /** Queues with an appointment calendar: their calls' cards offer to book one (/api/agent/appointments). */
  appointmentQueues?: string[];
}

/** Something an agent recorded, told to every tab of the agent ("Recorded: sold for 49.00 EUR"). */
export interface Recorded {
  callId: string;
  what: "outcome" | "disposition" | "transfer" | "appointment" | "consult" | "preview";
  text: string;
  offerId?: string;
  outcome?: OfferOutcome["outcome"];
}

export type ServerMessage =
  | { type: "welcome"; agent: { id: string; name: string }; status: StatusView | null; sessionExpiresAt: number; desk?: DeskMenu }
  | { type: "pop"; pop: ScreenPop }
  /** The call's card while the agent's phone rings; the `pop` of the answer replaces it. */
  | { type: "ringing"; pop: ScreenPop }
  | { type: "popCleared"; callId: string }
  | ({ type: "status" } & StatusView)
  | { type: "line"; line: Line }
  | ({ type: "recorded" } & Recorded)
  | { type: "ok"; id?: string; for: ClientMessage["type"] }
  | { type: "error"; id?: string; message: string };
