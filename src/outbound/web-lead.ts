import { createHash } from "node:crypto";
import { z } from "zod";
import { describeIssues, fieldName, type PlaceNames } from "../lib/yaml-source/schema-messages.js";
import { normalizeNumber } from "./number.js";

/**
 * What the web shop posts to `POST /api/web/leads` (docs/outbound-web-leads.md): an abandoned cart or a
 * "call me" request. Every mapping is strict, so a misspelt field ("consnet") is a 400 naming it rather
 * than a lead that silently lacks its consent. Pure: no clock, no I/O.
 */

/** With an offset or Z, so the instant is unambiguous whatever the shop's server zone is. */
const instant = (what: string) => z.iso.datetime({ offset: true, error: `must be an ISO 8601 date-time with offset, e.g. 2026-03-02T10:15:00Z (${what})` });

/** Ids the shop makes up; used in Redis keys and logs, so no spaces, braces or "|". */
export const EVENT_ID = /^[A-Za-z0-9._:-]{1,100}$/;

const text = (max: number) => z.string().trim().min(1).max(max);
const money = z.number().min(0).max(100_000_000);

export const cartItemSchema = z
  .object({
    sku: text(100),
    name: text(200),
    quantity: z.number().int().min(1).max(10_000),
    /** Unit price, in the cart's currency. */
    price: money,
  })
  .strict();

export const cartSchema = z
  .object({
    items: z.array(cartItemSchema).min(1).max(200),
    /** What the cart is worth to the shop (after discounts, before or after tax: the shop's choice, consistently). */
    value: money,
    currency: z.string().regex(/^[A-Z]{3}$/, "must be a three-letter currency code like EUR"),
  })
  .strict();

export const consentSchema = z
  .object({
    /** Whether the customer agreed to be called. A lead without it is stored but never dialled. */
    given: z.boolean(),
    /** When the customer agreed (or declined). */
    at: instant("when consent was given"),
    /** The wording the customer saw, or the version id of that wording: at least one of the two. */
    text: text(2_000).optional(),
    version: text(100).optional(),
    /** Where it was asked, e.g. "checkout-page" or "call-me-widget". */
    source: text(100),
  })
  .strict()
  .refine((c) => c.text !== undefined || c.version !== undefined, { message: 'needs "text" or "version": the wording the customer agreed to' });

export const webLeadSchema = z
  .object({
    /** Unique per event at the shop: the same event sent again is the same lead (idempotency). */
    eventId: z.string().regex(EVENT_ID, "1-100 letters, digits, . _ : -"),
    kind: z.enum(["abandoned-cart", "call-me"]),
    occurredAt: instant("when the event happened"),
    customer: z
      .object({
        /** E.164 (+4930123456) or national (030 123456, read with the default country). */
        phone: z.string().trim().min(3).max(40).regex(/^\+?[0-9 ()./-]+$/, "must be a phone number: digits, a leading +, spaces, ( ) . / -"),
        name: text(200).optional(),
        email: z.email("must be an e-mail address").max(254).optional(),
        /** The shop's customer id, kept with the lead (the CRM is asked by phone). */
        customerId: text(100).optional(),
      })
      .strict(),
    consent: consentSchema,
    cart: cartSchema.optional(),
    /** A "call me at" time; the lead is not due before it. */
    preferredTime: instant("when the customer wants the call").optional(),
  })
  .strict()
  .superRefine((lead, ctx) => {
    if (lead.kind === "abandoned-cart" && lead.cart === undefined) {
      ctx.addIssue({ code: "custom", path: ["cart"], message: 'an "abandoned-cart" lead needs its "cart"' });
    }
  });

export type WebLead = z.infer<typeof webLeadSchema>;
export type WebLeadInput = z.input<typeof webLeadSchema>;
export type Cart = z.infer<typeof cartSchema>;
export type Consent = z.infer<typeof consentSchema>;

export interface LeadProblem {
  /** The field's path as the shop writes it: `cart.items[0].price`; "" for the body as a whole. */
  field: string;
  message: string;
}

export type ParsedWebLead =
  | { ok: true; lead: WebLead; /** The customer's number in E.164. */ phone: string; /** Of the parsed event: tells a retry (same) from a reused eventId (different). */ digest: string }
  | { ok: false; problems: LeadProblem[] };

/** `["cart", "items", 0, "price"]` -> `cart.items[0].price`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** Places as the shop's developer reads them: `"cart.items" item 1`, the body as a whole "the body". */
const bodyPlaces: PlaceNames = { subject: (path) => (path.length === 0 ? "the body" : fieldName(path)) };

/** A missing field is reported at its parent; the shop is better served by the field's own path. */
function problemField(path: readonly PropertyKey[], message: string): string {
  const missing = /^missing required field "([^"]+)"/.exec(message);
  return fieldPath(missing ? [...path, missing[1]!] : path);
}

/** The body, checked and with the phone in E.164. `defaultCountry` reads national numbers (outbound.compliance.defaultCountry). */
export function parseWebLead(body: unknown, defaultCountry: string): ParsedWebLead {
  const parsed = webLeadSchema.safeParse(body);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues, { schema: webLeadSchema, input: body, base: [], places: bodyPlaces });
    return { ok: false, problems: problems.slice(0, 10).map((p) => ({ field: problemField(p.path, p.message), message: p.message })) };
  }
  const number = normalizeNumber(parsed.data.customer.phone, defaultCountry);
  if (!number.ok) return { ok: false, problems: [{ field: "customer.phone", message: `"customer.phone" is not a number we can call: ${number.reason}` }] };
  return { ok: true, lead: parsed.data, phone: number.e164, digest: leadDigest(parsed.data) };
}

/**
 * A digest of the event as parsed (not of the raw bytes): a retry the shop serialised again, with other
 * spacing, is still the same event. Keys are in the schema's order, so the JSON is canonical.
 */
export function leadDigest(lead: WebLead): string {
  return createHash("sha256").update(JSON.stringify(lead)).digest("hex").slice(0, 32);
}
