import type { Consent } from "../calls/express-sale.js";
import type { Config } from "../config/schema.js";
import { DEFAULT_CREDIT_AMOUNT } from "../crm/express-config.js";
import type { ExpressCreditPayload } from "../jobs/index.js";

/**
 * The express lane's promise, kept or broken: an entitled caller of the express lane answered after the
 * lane's SLA seconds gets a credit. A caller who bought the one-off upgrade in this call is refunded its
 * price; a subscriber (or tier customer: `customer.express`) gets a credit note of `express.credit.amount`.
 * Pure: the answer time is passed in, nothing is published here (the desk does that).
 */

export interface CreditFacts {
  config: Pick<Config, "lanes" | "queues" | "express" | "metrics">;
  callId: string;
  queue: string;
  lane: string;
  /** The lane the caller was entitled to and was moved out of at join (its promise could not be kept then). */
  promisedLane?: string | undefined;
  waitMs: number;
  callerNumber: string;
  /** The call's consents (session), the one-off upgrade's among them when the caller bought it. */
  consents: readonly Consent[] | undefined;
  /** The caller's CRM record as looked up for this call, if found. */
  customer: { id: string; name: string; express?: boolean; phones?: string[] } | null;
  /** When the caller was answered. */
  at: Date;
}

/** The lane whose promise is sold in `queue`: its admission lane, else "express". */
export function expressLaneOf(config: Pick<Config, "queues">, queue: string): string {
  return config.queues[queue]?.admission?.lane ?? "express";
}

/**
 * The credit owed, or undefined when the promise was kept or the caller is not entitled. Broken: answered
 * (or left) after the lane's SLA, or moved to the standard lane at join because it could not be kept.
 */
export function creditFor(f: CreditFacts): ExpressCreditPayload | undefined {
  const { config } = f;
  const sold = expressLaneOf(config, f.queue);
  const moved = f.promisedLane === sold;
  if (f.lane !== sold && !moved) return undefined;
  const slaSeconds = config.lanes[sold]?.sla.seconds;
  if (slaSeconds === undefined || (!moved && f.waitMs <= slaSeconds * 1000)) return undefined;
  const bought = f.consents?.find((c) => c.product === "express-upgrade");
  const base = {
    idempotencyKey: `${f.callId}:credit`,
    occurredAt: f.at.toISOString(),
    callId: f.callId,
    queue: f.queue,
    broken: moved ? ("moved to standard" as const) : ("late" as const),
    waitSeconds: Math.round(f.waitMs / 100) / 10,
    slaSeconds,
  };
  if (bought) return { ...base, customer: bought.customer, amount: bought.price, currency: bought.currency, kind: "refund" };
  if (f.customer?.express !== true) return undefined;
  const amount = config.express.credit?.amount ?? DEFAULT_CREDIT_AMOUNT;
  const phone = f.callerNumber || f.customer.phones?.[0];
  if (amount <= 0 || !phone) return undefined;
  return {
    ...base,
    customer: { id: f.customer.id, name: f.customer.name, phone },
    amount,
    currency: config.express.upgrade?.currency ?? config.metrics.currency,
    kind: "credit-note",
  };
}

/** What the history entry and the desk keep of a credit. */
export const creditRecord = (p: ExpressCreditPayload): { kind: ExpressCreditPayload["kind"]; amount: number; currency: string } => ({ kind: p.kind, amount: p.amount, currency: p.currency });
