import { z } from "zod";
import { expressStatus } from "./express.js";
import { NO_EXPRESS_CONFIG, type ExpressConfig } from "./express-config.js";

/**
 * The customer record every CRM adapter returns. IVR trees and offer rules read it through CEL as
 * `customer.<field>`, so field names are part of the admin-facing contract (docs/crm.md).
 * Dates are ISO calendar dates (YYYY-MM-DD); `enrichCustomer` adds day counts CEL can compare directly.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2026-12-31");

export const productSchema = z
  .object({
    sku: z.string().min(1),
    name: z.string().min(1),
    /** Installed version, and the newest one on sale: an upgrade offer compares the two. */
    version: z.string().optional(),
    currentVersion: z.string().optional(),
    purchased: isoDate.optional(),
    warrantyEnds: isoDate.optional(),
    /** Covered by a paid service contract (a service-contract offer does not fit). */
    serviceContract: z.boolean().default(false),
    /** Add-ons already owned, e.g. ["training", "dock"]: cross-sell offers skip these. */
    addOns: z.array(z.string()).default([]),
    /** True when the product is a competitor's (a switching offer fits). */
    competitor: z.boolean().default(false),
    vendor: z.string().optional(),
  })
  .strict();

export const historyEntrySchema = z
  .object({
    at: z.string().min(1).describe("ISO timestamp of the call"),
    callId: z.string().optional(),
    lane: z.string().optional(),
    queue: z.string().optional(),
    waitSeconds: z.number().min(0).optional(),
    /** The conversation with the agent, from Asterisk's CDR of the agent's leg. */
    talkSeconds: z.number().min(0).optional(),
    agent: z.string().optional(),
    disposition: z.string().optional(),
    reason: z.string().optional(),
    path: z.array(z.string()).optional(),
    notes: z.string().optional(),
    offers: z
      .array(z.object({ offer: z.string(), outcome: z.string(), amount: z.number().optional() }).strict())
      .optional(),
    /**
     * The call was recorded (docs/supervisor.md): the recording's name and the daemon's address that serves
     * it, to supervisors allowed to fetch recordings only.
     */
    recording: z.object({ id: z.string().min(1), url: z.string().min(1) }).strict().optional(),
    /** The express promise was broken (answered after the lane's SLA): what the caller was credited. */
    credit: z
      .object({ kind: z.enum(["refund", "credit-note"]), amount: z.number().min(0), currency: z.string() })
      .strict()
      .optional(),
  })
  .strict();

/** A subscription running from one calendar day to another, both included (docs/express.md). */
const periodSchema = z
  .object({ from: isoDate, to: isoDate })
  .strict()
  .refine((p) => p.from <= p.to, { message: "must not end (to) before it starts (from)", path: ["to"] });

export const customerSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    /** Caller numbers this customer calls from, as they arrive in CALLERID(num). */
    phones: z.array(z.string().regex(/\d/, "must be a phone number (digits)")).min(1),
    email: z.string().optional(),
    language: z.string().default("en"),
    tier: z.enum(["standard", "silver", "gold", "platinum"]).default("standard"),
    /**
     * As stored: holds an express-lane subscription without dates (the older way to say it). What trees
     * see as `customer.express` is computed (express.ts): dates, tiers and upgrades included.
     */
    express: z.boolean().default(false),
    /** Subscriptions with dates; `express` entitles the caller to the express lane from `from` to `to`. */
    subscription: z.object({ express: periodSchema.optional() }).strict().optional(),
    accountNumber: z.string().optional(),
    contractEnds: isoDate.optional(),
    prepaid: z.object({ balance: z.number(), currency: z.string().default("EUR") }).strict().optional(),
    products: z.array(productSchema).default([]),
    tags: z.array(z.string()).default([]),
    history: z.array(historyEntrySchema).default([]),
  })
  .strict();

export type Customer = z.infer<typeof customerSchema>;
export type Product = z.infer<typeof productSchema>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

const DAY_MS = 86_400_000;
const daysUntil = (date: string, now: Date) =>
  Math.floor((Date.parse(`${date}T00:00:00Z`) - Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) / DAY_MS);

/**
 * What trees and offers see: the record plus facts derived from it at lookup time, so CEL rules stay
 * simple comparisons (`customer.contractEndsInDays <= 30`) instead of date arithmetic. `express` is the
 * entitlement on the day of `now` (the call's time) under the config's rule, `expressReason` says why.
 */
export function enrichCustomer(c: Customer, now: Date, express: Pick<ExpressConfig, "timeZone" | "tiers"> = NO_EXPRESS_CONFIG) {
  const waits = c.history.map((h) => h.waitSeconds).filter((w): w is number => w !== undefined);
  const entitled = expressStatus(c, express, now);
  return {
    ...c,
    express: entitled.express,
    ...(entitled.reason === undefined ? {} : { expressReason: entitled.reason }),
    // Absent facts stay absent (not undefined) so CEL's has() and JSON persistence agree.
    ...(c.contractEnds === undefined ? {} : { contractEndsInDays: daysUntil(c.contractEnds, now) }),
    products: c.products.map((p) => ({
      ...p,
      outdated: p.version !== undefined && p.currentVersion !== undefined && p.version !== p.currentVersion,
      ...(p.warrantyEnds === undefined ? {} : { warrantyEndsInDays: daysUntil(p.warrantyEnds, now) }),
      ...(p.purchased === undefined ? {} : { purchasedDaysAgo: -daysUntil(p.purchased, now) }),
    })),
    callsLast90Days: c.history.filter((h) => now.getTime() - Date.parse(h.at) <= 90 * DAY_MS).length,
    avgWaitSeconds: waits.length ? Math.round(waits.reduce((a, b) => a + b, 0) / waits.length) : 0,
    maxWaitSeconds: waits.length ? Math.max(...waits) : 0,
  };
}
export type CustomerView = ReturnType<typeof enrichCustomer>;
