import { z } from "zod";
import { callPurposeSchema, type CallPurpose } from "../callbacks/callback-store.js";
import type { LaneConfig, QueueConfig } from "../queue/config.js";
import type { CustomerView } from "../crm/customer.js";
import type { PathEntry } from "../ivr/engine/types.js";
import { rankedOfferSchema, type RankedOffer } from "../offers/ranked.js";
import { composeJourney } from "./journey.js";

/**
 * The screen-pop: everything the agent's page shows when a call connects. Composed once from data
 * prefetched during the IVR and the wait, so nothing is looked up at pop time. Every string in it may be
 * caller-controlled and is rendered as text.
 */

const productSummarySchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    version: z.string().nullable(),
    currentVersion: z.string().nullable(),
    outdated: z.boolean(),
    warrantyEnds: z.string().nullable(),
  })
  .strict();

export const customerSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    tier: z.string(),
    /** Holds an express-lane subscription. */
    express: z.boolean(),
    accountNumber: z.string().nullable(),
    products: z.array(productSummarySchema),
    prepaid: z.object({ balance: z.number(), currency: z.string() }).strict().nullable(),
    contractEnds: z.string().nullable(),
  })
  .strict();

export const popPathEntrySchema = z
  .object({ node: z.string(), choice: z.string().nullable(), label: z.string().nullable() })
  .strict();

export const popHistoryEntrySchema = z
  .object({
    at: z.string(),
    disposition: z.string().nullable(),
    agent: z.string().nullable(),
    waitSeconds: z.number().nullable(),
    /** The call was recorded. Only its fact: agents may not fetch recordings (supervisors with `recordings` may). */
    recorded: z.boolean(),
  })
  .strict();

export const screenPopSchema = z
  .object({
    callId: z.string().min(1).max(128),
    callerNumber: z.string(),
    /** Caller-id name as the network sent it; null when withheld or empty. */
    callerName: z.string().nullable(),
    /** Null when the CRM did not recognise the caller. */
    customer: customerSummarySchema.nullable(),
    lane: z.string(),
    /** The admin's wording for the lane (agents see this, never the id). */
    laneName: z.string(),
    /** A lane with a head start: the page shows an express badge. */
    express: z.boolean(),
    queue: z.string(),
    queueName: z.string(),
    path: z.array(popPathEntrySchema),
    /** The same path in words an agent reads ("Chose technical support"), oldest first (journey.ts). */
    journey: z.array(z.string()).default([]),
    reason: z.string().nullable(),
    waitSeconds: z.number().int().nonnegative(),
    /** A queued call back: the agent calls the customer, who waited `waitSeconds` since first joining. */
    callback: z
      .object({
        number: z.string(),
        attempt: z.number().int().min(1),
        /** An outbound call's purpose: what the agent calls about (a web lead's cart, a campaign's pitch). */
        purpose: callPurposeSchema.nullable(),
      })
      .nullable(),
    /** Newest first, at most HISTORY_LIMIT. */
    history: z.array(popHistoryEntrySchema),
    offers: z.array(rankedOfferSchema),
  })
  .strict();
export type ScreenPop = z.infer<typeof screenPopSchema>;

export const HISTORY_LIMIT = 5;
/** The tail of the IVR path worth showing; older steps are noise on a call card. */
export const PATH_LIMIT = 20;

export interface PopInput {
  call: { callId: string; callerNumber: string; callerName?: string | undefined };
  customer: CustomerView | null;
  lane: { id: string; config?: LaneConfig | undefined };
  queue: { id: string; config?: QueueConfig | undefined };
  path: readonly PathEntry[];
  /** Products the caller bought in the IVR (the engine's `purchased`), for the journey's words. */
  purchased?: readonly string[] | undefined;
  /** Lane id -> the admin's wording (config `lanes`), for the journey's queue step. */
  laneNames?: Readonly<Record<string, string>> | undefined;
  /** The tree's variables; `reason` there is used when the enqueue gave none. */
  vars: Readonly<Record<string, unknown>>;
  /** The reason the tree's queue node recorded, if any. */
  reason?: string | undefined;
  waitMs: number;
  offers: readonly RankedOffer[];
  callback?: { number: string; attempt: number; purpose?: CallPurpose | undefined } | undefined;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

function customerSummary(c: CustomerView): z.infer<typeof customerSummarySchema> {
  return {
    id: c.id,
    name: c.name,
    tier: c.tier,
    express: c.express,
    accountNumber: c.accountNumber ?? null,
    products: c.products.map((p) => ({
      sku: p.sku,
      name: p.name,
      version: p.version ?? null,
      currentVersion: p.currentVersion ?? null,
      outdated: p.outdated,
      warrantyEnds: p.warrantyEnds ?? null,
    })),
    prepaid: c.prepaid ? { balance: c.prepaid.balance, currency: c.prepaid.currency } : null,
    contractEnds: c.contractEnds ?? null,
  };
}

/** Pure: the same input always gives the same pop. */
export function composePop(input: PopInput): ScreenPop {
  const history = [...(input.customer?.history ?? [])]
    // newest first whatever order the CRM adapter returned; entries with unreadable dates go last
    .sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0))
    .slice(0, HISTORY_LIMIT)
    .map((h) => ({ at: h.at, disposition: h.disposition ?? null, agent: h.agent ?? null, waitSeconds: h.waitSeconds ?? null, recorded: h.recording !== undefined }));
  return {
    callId: input.call.callId,
    callerNumber: input.call.callerNumber,
    callerName: text(input.call.callerName),
    customer: input.customer ? customerSummary(input.customer) : null,
    lane: input.lane.id,
    laneName: input.lane.config?.displayName ?? input.lane.id,
    express: (input.lane.config?.headStart ?? 0) > 0,
    queue: input.queue.id,
    queueName: input.queue.config?.displayName ?? input.queue.id,
    path: input.path.slice(-PATH_LIMIT).map((p) => ({ node: p.node, choice: p.choice ?? null, label: p.label ?? null })),
    journey: composeJourney(input.path, { customerName: input.customer?.name, purchased: input.purchased ?? [], laneNames: input.laneNames ?? {} }).slice(-PATH_LIMIT),
    reason: text(input.reason) ?? text(input.vars.reason),
    waitSeconds: Math.max(0, Math.round(input.waitMs / 1000)),
    callback: input.callback ? { number: input.callback.number, attempt: input.callback.attempt, purpose: input.callback.purpose ?? null } : null,
    history,
    offers: input.offers.map((o) => ({ ...o, facts: [...o.facts] })),
  };
}
