import type { Redis } from "ioredis";
import { z } from "zod";
import { lookupOutcomeSchema, type LookupOutcome } from "../crm/lookup.js";
import type { CallState } from "../ivr/engine/index.js";
import { consentSchema } from "./express-sale.js";

/**
 * Live calls in Redis: one JSON document per call plus a per-server index, so a restarted daemon (or
 * another one) can see which callers it holds and resume them. Beside each document, the call's CRM
 * lookup outcome (written once, when it comes, rather than with every step). Documents expire a day
 * after their last write, so a crash never leaves them forever.
 */

export const sessionSchema = z.object({
  callId: z.string(),
  serverId: z.string(),
  channelId: z.string(),
  startedAt: z.number(),
  /** Engine state (plain JSON by design). */
  engine: z.custom<CallState>((v) => v !== null && typeof v === "object"),
  /** Set while the caller is in the queue or with an agent. */
  queue: z
    .object({
      queue: z.string(),
      lane: z.string(),
      joinedAt: z.number(),
      reason: z.string().optional(),
      /** The lane the caller was entitled to and was moved out of at join (its promise could not be kept), and why. */
      promised: z.object({ lane: z.string(), reason: z.string() }).optional(),
      /** When the caller left the queue without an agent (its maximum wait ran out, its place was lost). */
      leftAt: z.number().optional(),
    })
    .optional(),
  /**
   * Set once the caller is with an agent: the agent's leg and bridge while they talk, whom the caller
   * talked to (queue and lane too) for as long as the call lasts. `endedAt`: the agent hung up first and
   * the caller went on in the tree (a post-call survey); the legs are gone from it then.
   */
  agent: z
    .object({
      agentId: z.string(),
      channelId: z.string().optional(),
      bridgeId: z.string().optional(),
      answeredAt: z.number().optional(),
      queue: z.string().optional(),
      lane: z.string().optional(),
      endedAt: z.number().optional(),
    })
    .optional(),
  /**
   * Set when the tree transfers the caller to an endpoint: the target's leg (kept before it is rung),
   * its bridge and answer once bridged, or why it was not reached (the caller then went to the fallback).
   */
  transfer: z
    .object({ endpoint: z.string(), channelId: z.string(), bridgeId: z.string().optional(), answeredAt: z.number().optional(), failed: z.string().optional() })
    .optional(),
  /** What the caller agreed to pay for in the IVR (express-sale.ts), kept until billed and beyond, as evidence. */
  consents: z.array(consentSchema).optional(),
  /** The caller booked a call back at its place in the queue (the callback node), on this number. */
  callback: z.object({ number: z.string(), at: z.number() }).optional(),
});
export type CallSession = z.infer<typeof sessionSchema>;

const TTL_SECONDS = 86_400;

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(callId: string): string {
    return `${this.prefix}call:${callId}`;
  }

  private lookupKey(callId: string): string {
    return `${this.prefix}call:${callId}:crm`;
  }

  private index(serverId: string): string {
    return `${this.prefix}calls:${serverId}`;
  }

  async save(s: CallSession): Promise<void> {
    await this.redis.multi().set(this.key(s.callId), JSON.stringify(s), "EX", TTL_SECONDS).sadd(this.index(s.serverId), s.callId).exec();
  }

  async get(callId: string): Promise<CallSession | null> {
    const raw = await this.redis.get(this.key(callId));
    if (raw === null) return null;
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  async remove(s: Pick<CallSession, "callId" | "serverId">): Promise<void> {
    await this.redis.multi().del(this.key(s.callId), this.lookupKey(s.callId)).srem(this.index(s.serverId), s.callId).exec();
  }

  /** The call's CRM lookup outcome, kept for the daemon that resumes the call after a restart. */
  async keepLookup(callId: string, outcome: LookupOutcome): Promise<void> {
    await this.redis.set(this.lookupKey(callId), JSON.stringify(outcome), "EX", TTL_SECONDS);
  }

  async lookup(callId: string): Promise<LookupOutcome | null> {
    const raw = await this.redis.get(this.lookupKey(callId));
    const parsed = raw === null ? undefined : lookupOutcomeSchema.safeParse(JSON.parse(raw));
    return parsed?.success ? parsed.data : null;
  }

  /** Every session of one Asterisk server; ids whose document expired are dropped from the index. */
  async list(serverId: string): Promise<CallSession[]> {
    const ids = await this.redis.smembers(this.index(serverId));
    const out: CallSession[] = [];
    for (const id of ids) {
      const s = await this.get(id);
      if (s) out.push(s);
      else await this.redis.srem(this.index(serverId), id);
    }
    return out;
  }
}
