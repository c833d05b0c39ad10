import { agentStateSchema, deviceStateSchema } from "../queue/agent-states.js";
import { appointmentKindSchema, appointmentOutcomeSchema, callbackOutcomeSchema, callOutcomeSchema, offerOutcomeSchema, type SiteEvent } from "./schema.js";

/**
 * Reads one stream entry into a typed event without zod: the fold reads every event of the site, and
 * zod's coercions and transforms were most of its time (31k events/s parsed and folded against 138k/s
 * folded). The zod schemas (schema.ts, queue/events.ts) stay the definition: this table says the same
 * field by field, and tests/events/parse.test.ts holds the two to agreeing on valid and broken entries.
 */
type Kind = "num" | "str" | "opt" | "optNum" | "csv" | ReadonlySet<string>;

const enumOf = (options: readonly string[]): ReadonlySet<string> => new Set(options);
const STATE = enumOf(agentStateSchema.options);
const DEVICE = enumOf(deviceStateSchema.options);
const call = { at: "num", queue: "str", lane: "str", callId: "str" } as const;

const SPECS: Record<string, Record<string, Kind>> = {
  joined: { ...call, position: "num", score: "num" },
  refused: { ...call, reason: enumOf(["empty", "full"]) },
  offered: { ...call, agentId: "str", waitMs: "num", requeues: "num" },
  answered: { ...call, agentId: "str", waitMs: "num", ringMs: "num", requeues: "num" },
  requeued: { ...call, agentId: "str", agentTo: enumOf(["available", "paused", "offline"]), reason: "str", position: "num", waitMs: "num" },
  abandoned: { ...call, agentId: "opt", waitMs: "num" },
  timeout: { ...call, agentId: "opt", waitMs: "num" },
  scheduled: { ...call, agentId: "opt", waitMs: "num" },
  agent: { at: "num", agentId: "str", from: STATE, to: STATE, reason: "opt", queues: "csv" },
  device: { at: "num", agentId: "str", endpoint: "str", from: DEVICE, to: DEVICE },
  call: { at: "num", callId: "str", tree: "opt", outcome: enumOf(callOutcomeSchema.options), durationMs: "num", customerId: "opt", reason: "opt", queue: "opt", lane: "opt", agentId: "opt" },
  handled: { at: "num", callId: "str", agentId: "str", queue: "str", lane: "str", talkMs: "optNum", holdMs: "optNum", disposition: "str", customerId: "opt", reason: "opt" },
  offer: { at: "num", callId: "str", agentId: "str", queue: "str", lane: "str", offerId: "str", outcome: enumOf(offerOutcomeSchema.options), value: "num", amount: "optNum" },
  job: { at: "num", kind: "str", jobId: "str", outcome: enumOf(["queued", "delivered", "failed"]), value: "optNum", queue: "opt" },
  survey: { at: "num", callId: "str", score: "num", scale: "num", agentId: "opt", queue: "opt", lane: "opt" },
  callback: { at: "num", callId: "str", queue: "str", outcome: enumOf(callbackOutcomeSchema.options), result: "opt", promise: "opt" },
  appointment: { at: "num", bookingId: "str", queue: "str", outcome: enumOf(appointmentOutcomeSchema.options), kind: enumOf(appointmentKindSchema.options), slotStart: "num", result: "opt" },
};

/** One stream entry as a typed event, or undefined for an entry of unknown type or shape. */
export function parseSiteEvent(id: string, flat: readonly string[]): SiteEvent | undefined {
  let type: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === "type") {
      type = flat[i + 1];
      break;
    }
  }
  const spec = type === undefined ? undefined : SPECS[type];
  if (!spec) return undefined;
  const raw: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) raw[flat[i]!] = flat[i + 1]!;
  const out: Record<string, unknown> = { type };
  for (const field in spec) {
    const kind = spec[field]!;
    const v = raw[field];
    if (kind === "num") {
      // as z.coerce.number(): "" is 0, anything not a finite number is refused
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n)) return undefined;
      out[field] = n;
    } else if (kind === "str") {
      if (v === undefined) return undefined;
      out[field] = v;
    } else if (kind === "opt") {
      if (v) out[field] = v;
    } else if (kind === "optNum") {
      if (v !== undefined && v !== "") {
        const n = Number(v);
        if (!Number.isFinite(n)) return undefined;
        out[field] = n;
      }
    } else if (kind === "csv") {
      if (v === undefined) return undefined;
      out[field] = v ? v.split(",") : [];
    } else {
      if (v === undefined || !kind.has(v)) return undefined;
      out[field] = v;
    }
  }
  out.id = id;
  return out as SiteEvent;
}
