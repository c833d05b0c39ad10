import { expressStatus } from "./express.js";
import type { ExpressConfig } from "./express-config.js";
import type { CustomerStore } from "./store.js";

/**
 * Whether a customer asking for something outside a call (an appointment booked by a web back end) is
 * express, by the same rule as in a call (express.ts), read from the CRM record rather than taken from
 * the request. Stores answer by phone number, so the record is the one of the number given; when the
 * request names a customer id, the record must be that customer's.
 */
export type Entitlement =
  | { status: "entitled"; customerId: string; reason: string }
  | { status: "not-entitled"; customerId: string }
  /** No record for the number, or the record of another customer than the one named. */
  | { status: "unknown"; why: string }
  /** The CRM failed or did not answer in time: nothing can be said. */
  | { status: "error"; why: string };

export interface EntitlementQuery {
  phone: string;
  customerId?: string | undefined;
  /** The day that counts (a subscription must run then): an appointment's slot start. */
  at: Date;
}

export async function expressEntitlement(store: CustomerStore, rule: Pick<ExpressConfig, "timeZone" | "tiers">, q: EntitlementQuery, timeoutMs: number): Promise<Entitlement> {
  const signal = AbortSignal.timeout(timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  // a store that ignores the signal is still bounded
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
  try {
    const found = await Promise.race([Promise.resolve().then(() => store.findByPhone(q.phone, signal)), late]);
    if (found === "late") return { status: "error", why: `${store.name} CRM timed out after ${timeoutMs} ms` };
    if (!found) return { status: "unknown", why: `no customer record for number ${q.phone}` };
    if (q.customerId !== undefined && found.id !== q.customerId) return { status: "unknown", why: `number ${q.phone} is not customer ${q.customerId}'s` };
    const s = expressStatus(found, rule, q.at);
    return s.express ? { status: "entitled", customerId: found.id, reason: s.reason ?? "express" } : { status: "not-entitled", customerId: found.id };
  } catch (err) {
    return { status: "error", why: `${store.name} CRM: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
