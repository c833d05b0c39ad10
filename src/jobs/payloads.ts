import { createHash } from "node:crypto";
import { z } from "zod";
import { historyEntrySchema } from "../crm/customer.js";

/**
 * What Switchboard hands to other systems. Each payload carries the caller-chosen idempotency key that
 * makes publishing it twice (a double click, a retried request) one job and one delivery.
 */
const idempotencyKey = z.string().min(1).max(200);
const occurredAt = z.iso.datetime({ offset: true });
const money = z.number().finite().min(0);
const currency = z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code such as EUR");

const customer = z.object({ id: z.string().min(1), name: z.string().min(1), phone: z.string().min(1) }).strict();
const offer = z.object({ id: z.string().min(1), title: z.string().min(1), value: money }).strict();
const agent = z.object({ id: z.string().min(1), name: z.string().min(1).optional() }).strict();

/** An agent marked an offer "interested": sales follows up. */
export const leadPayloadSchema = z
  .object({
    idempotencyKey,
    occurredAt,
    callId: z.string().min(1),
    customer,
    offer,
    agent,
    notes: z.string().max(4000).optional(),
  })
  .strict();

/** An agent sold an offer in the call: billing/CRM books it. */
export const salePayloadSchema = leadPayloadSchema.extend({ amount: money, currency }).strict();

/**
 * A caller accepted the paid express lane in the IVR; the consent is the evidence billing keeps. One per
 * call: the idempotency key is the call id. `occurredAt` is when the caller pressed the confirm key.
 */
export const expressUpgradePayloadSchema = z
  .object({
    idempotencyKey,
    occurredAt,
    callId: z.string().min(1),
    /** The caller may be unknown to the CRM: the phone number is all billing can rely on then. */
    customer: z.object({ id: z.string().min(1).optional(), name: z.string().min(1).optional(), phone: z.string().min(1) }).strict(),
    price: money,
    currency,
    consent: z
      .object({
        /** Key(s) the caller pressed to accept. */
        digits: z.string().regex(/^[0-9*#]+$/),
        /** Names the wording of the offer the caller heard (config `express.upgrade.promptVersion`). */
        promptVersion: z.string().min(1).max(40),
        /** IVR tree and node whose prompt stated the price. */
        tree: z.string().min(1).optional(),
        node: z.string().min(1).optional(),
      })
      .strict(),
  })
  .strict();

/**
 * The express promise was broken: an entitled caller of the express lane waited longer than the lane's
 * SLA before an agent answered. One per call (idempotency key `<callId>:credit`). A one-off buyer is
 * refunded the price they paid; a subscriber (or tier customer) gets a credit note of the configured amount.
 */
export const expressCreditPayloadSchema = z
  .object({
    idempotencyKey,
    occurredAt,
    callId: z.string().min(1),
    /** The queue whose express lane broke its promise (per-queue KPIs). */
    queue: z.string().min(1).optional(),
    /** How: answered or gave up after the SLA ("late"), or put in the standard lane at join because it could not be kept. */
    broken: z.enum(["late", "moved to standard"]).optional(),
    customer: z.object({ id: z.string().min(1).optional(), name: z.string().min(1).optional(), phone: z.string().min(1) }).strict(),
    waitSeconds: z.number().min(0),
    slaSeconds: z.number().min(0),
    amount: money,
    currency,
    kind: z.enum(["refund", "credit-note"]),
  })
  .strict();

/** The call's entry for the customer's history, written back to the CRM. */
export const historyPayloadSchema = z
  .object({ idempotencyKey, occurredAt, customerId: z.string().min(1), entry: historyEntrySchema })
  .strict();

/** Whom an appointment notice is for: the booking's customer (unknown to the CRM, the number is all there is). */
const bookedCustomer = z.object({ id: z.string().min(1).optional(), name: z.string().min(1).optional(), phone: z.string().min(1) }).strict();

/** A slot as the customer is told it: the instant, and the day and time on the calendar's local clock. */
const slotTime = z
  .object({
    start: occurredAt,
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    time: z.string().regex(/^\d{2}:\d{2}$/),
    timeZone: z.string().min(1),
  })
  .strict();

/**
 * A standard appointment was moved to make room for an express customer (a rebalance): tell the customer
 * the new time. One per move: the idempotency key is `<bookingId>:moved:<moves>`.
 */
export const appointmentMovedPayloadSchema = z
  .object({
    idempotencyKey,
    occurredAt,
    bookingId: z.string().min(1),
    queue: z.string().min(1),
    customer: bookedCustomer,
    from: slotTime,
    to: slotTime,
    reason: z.enum(["rebalanced"]),
  })
  .strict();

/** The customer's reminder of an appointment, `minutesBefore` its start. One per booking and slot: `<bookingId>:reminder:<slot start ms>`. */
export const appointmentReminderPayloadSchema = z
  .object({
    idempotencyKey,
    occurredAt,
    bookingId: z.string().min(1),
    queue: z.string().min(1),
    customer: bookedCustomer,
    slot: slotTime,
    minutesBefore: z.number().min(0),
  })
  .strict();

export const payloadSchemas = {
  lead: leadPayloadSchema,
  sale: salePayloadSchema,
  "express-upgrade": expressUpgradePayloadSchema,
  "express-credit": expressCreditPayloadSchema,
  history: historyPayloadSchema,
  "appointment-moved": appointmentMovedPayloadSchema,
  "appointment-reminder": appointmentReminderPayloadSchema,
} as const;

export type JobKind = keyof typeof payloadSchemas;
export const JOB_KINDS = Object.keys(payloadSchemas) as JobKind[];
export type LeadPayload = z.infer<typeof leadPayloadSchema>;
export type SalePayload = z.infer<typeof salePayloadSchema>;
export type ExpressUpgradePayload = z.infer<typeof expressUpgradePayloadSchema>;
export type ExpressCreditPayload = z.infer<typeof expressCreditPayloadSchema>;
export type HistoryPayload = z.infer<typeof historyPayloadSchema>;
export type AppointmentMovedPayload = z.infer<typeof appointmentMovedPayloadSchema>;
export type AppointmentReminderPayload = z.infer<typeof appointmentReminderPayloadSchema>;
export type PayloadOf<K extends JobKind> = z.infer<(typeof payloadSchemas)[K]>;
export type AnyPayload = PayloadOf<JobKind>;

/**
 * Which configured webhook receives each kind: express upgrades and their credits are billed like sales;
 * what the customer is told about an appointment goes to the notifications service.
 */
export const WEBHOOK_FOR = {
  lead: "leads",
  sale: "sales",
  "express-upgrade": "sales",
  "express-credit": "sales",
  history: "history",
  "appointment-moved": "notifications",
  "appointment-reminder": "notifications",
} as const satisfies Record<JobKind, "leads" | "sales" | "history" | "notifications">;

export function isJobKind(s: string): s is JobKind {
  return Object.hasOwn(payloadSchemas, s);
}

/**
 * The job id, also sent as the delivery id: a digest of kind and idempotency key, so the same key always
 * maps to the same job (BullMQ ignores an add whose id exists) and ids never contain ':' (BullMQ forbids it).
 */
export function jobIdFor(kind: JobKind, key: string): string {
  return `${kind}-${createHash("sha256").update(`${kind}\0${key}`).digest("hex").slice(0, 32)}`;
}

/** Kind encoded in a job id from `jobIdFor`, or undefined for an id that is not one of ours. */
export function kindOfJobId(id: string): JobKind | undefined {
  const m = /^([a-z-]+)-[0-9a-f]{32}$/.exec(id);
  return m && isJobKind(m[1]!) ? m[1] : undefined;
}
