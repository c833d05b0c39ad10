/**
 * Customers the daemon calls out to (callbacks, campaigns), reached through a carrier trunk: what each
 * number does when called. The same shapes serve the control API (`addCustomer`, `POST /customers`) and a
 * scenario file's `customers:` section.
 */
import { z } from "zod";
import { dtmfDigits, phoneNumber } from "./caller-spec.js";
import { distributionSchema } from "./distribution.js";

/**
 * What the customer's line does when the trunk calls it:
 * - `answer`: rings, answers after `answerDelay`;
 * - `busy`: rings, rejects after `answerDelay` (SIP 486: cause 17, dial status BUSY, as ws-20 B);
 * - `no-answer`: rings until the PBX gives up (the originate's `timeout`: cause 19, as ws-20 C);
 * - `unavailable`: never rings; after `answerDelay` the carrier answers 480 Temporarily Unavailable
 *   (cause 19, dial status NOANSWER; not recorded, chan_pjsip's mapping).
 */
export const customerAnswerSchema = z.enum(["answer", "busy", "no-answer", "unavailable"]);

export const customerBehaviourSchema = z.strictObject({
  answer: customerAnswerSchema.default("answer"),
  /** Seconds from the first ring to answering or rejecting (`unavailable`: from the call to the 480). */
  answerDelay: distributionSchema.default(1),
  /** Digits the customer presses once answered (RFC 2833, as a phone sends them). */
  pressKey: dtmfDigits.optional(),
  /** Seconds from answering to pressing `pressKey`. */
  pressAfter: distributionSchema.default(1),
  /** Seconds from answering until the customer hangs up; absent: waits for the other side. */
  talkTime: distributionSchema.optional(),
});

export const customerSpecSchema = customerBehaviourSchema.extend({
  /** The number dialed: the Request-URI user of `PJSIP/<number>@<trunk>`. */
  number: phoneNumber,
});

/** A change of behaviour; `null` removes `pressKey` / `talkTime`. */
export const customerPatchSchema = z.strictObject({
  answer: customerAnswerSchema.optional(),
  answerDelay: distributionSchema.optional(),
  pressKey: dtmfDigits.nullable().optional(),
  pressAfter: distributionSchema.optional(),
  talkTime: distributionSchema.nullable().optional(),
});

/** A PJSIP endpoint name, as pjsip.conf's section names go. */
export const trunkNameSchema = z.string().regex(/^[A-Za-z0-9_.+-]{1,64}$/, "a PJSIP endpoint name such as customers");

/** The scenario's `customers:` section, and `SimControlOptions.customers`. */
export const customersSectionSchema = z
  .strictObject({
    /** The carrier trunk (a PJSIP endpoint with a static contact) the daemon dials customers through. */
    trunk: trunkNameSchema.default("customers"),
    /** What numbers not listed do. */
    default: customerBehaviourSchema.prefault({}),
    numbers: z.array(customerSpecSchema).default([]),
  })
  .refine((s) => new Set(s.numbers.map((n) => n.number)).size === s.numbers.length, { message: "a number is listed twice", path: ["numbers"] });

export type CustomerAnswer = z.infer<typeof customerAnswerSchema>;
export type CustomerBehaviour = z.infer<typeof customerBehaviourSchema>;
export type CustomerBehaviourInput = z.input<typeof customerBehaviourSchema>;
export type CustomerSpec = z.infer<typeof customerSpecSchema>;
export type CustomerSpecInput = z.input<typeof customerSpecSchema>;
export type CustomerPatch = z.infer<typeof customerPatchSchema>;
export type CustomersSection = z.infer<typeof customersSectionSchema>;
export type CustomersSectionInput = z.input<typeof customersSectionSchema>;

/** A behaviour with `patch` applied (`null` removes an optional field). */
export function patchBehaviour(b: CustomerBehaviour, patch: CustomerPatch): CustomerBehaviour {
  const out: CustomerBehaviour = { ...b };
  if (patch.answer !== undefined) out.answer = patch.answer;
  if (patch.answerDelay !== undefined) out.answerDelay = patch.answerDelay;
  if (patch.pressAfter !== undefined) out.pressAfter = patch.pressAfter;
  if (patch.pressKey === null) delete out.pressKey;
  else if (patch.pressKey !== undefined) out.pressKey = patch.pressKey;
  if (patch.talkTime === null) delete out.talkTime;
  else if (patch.talkTime !== undefined) out.talkTime = patch.talkTime;
  return out;
}
