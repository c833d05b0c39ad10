/**
 * The fold's fast reader of stream entries says exactly what the zod schemas say: the same event for
 * every valid entry, and no event for an entry of unknown type, a missing field, a number that is not
 * one, or a value outside its enum.
 */
import fc from "fast-check";
import { expect, test } from "vitest";
import { parseSiteEvent } from "../../src/events/parse.js";
import { parseSiteEventStrict } from "../../src/events/schema.js";

const FIELDS: Record<string, string[]> = {
  joined: ["at", "queue", "lane", "callId", "position", "score"],
  refused: ["at", "queue", "lane", "callId", "reason"],
  offered: ["at", "queue", "lane", "callId", "agentId", "waitMs", "requeues"],
  answered: ["at", "queue", "lane", "callId", "agentId", "waitMs", "ringMs", "requeues"],
  requeued: ["at", "queue", "lane", "callId", "agentId", "agentTo", "reason", "position", "waitMs"],
  abandoned: ["at", "queue", "lane", "callId", "agentId", "waitMs"],
  timeout: ["at", "queue", "lane", "callId", "agentId", "waitMs"],
  agent: ["at", "agentId", "from", "to", "reason", "queues"],
  device: ["at", "agentId", "endpoint", "from", "to"],
  call: ["at", "callId", "tree", "outcome", "durationMs", "customerId", "reason", "queue", "lane", "agentId"],
  handled: ["at", "callId", "agentId", "queue", "lane", "talkMs", "holdMs", "disposition", "customerId", "reason"],
  offer: ["at", "callId", "agentId", "queue", "lane", "offerId", "outcome", "value", "amount"],
  job: ["at", "kind", "jobId", "outcome", "value"],
  survey: ["at", "callId", "score", "scale", "agentId", "queue", "lane"],
  callback: ["at", "callId", "queue", "outcome", "result", "promise"],
  appointment: ["at", "bookingId", "queue", "outcome", "kind", "slotStart", "result"],
};
// values that are valid for some fields and not others: numbers, blanks, words, enum members
const VALUES = ["1796662543955", "0", "", "12.5", "-3", "abc", "Infinity", "1e3", " 7 ", "empty", "full", "available", "paused", "offline", "ringing", "registered", "in_use", "agent", "abandoned", "presented", "sold", "queued", "delivered", "support,billing", "a1", "booked", "moved", "called", "accepted", "express", "standard", "rebalance"];

test("property: the fast reader and the zod schemas agree on every entry", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.keys(FIELDS), "unknown-type"),
      fc.array(fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 6 })), { minLength: 12, maxLength: 12 }),
      fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      fc.boolean(),
      (type, values, present, extra) => {
        const flat = ["type", type];
        (FIELDS[type] ?? ["at"]).forEach((f, i) => {
          if (present[i]) flat.push(f, values[i]!);
        });
        if (extra) flat.push("somethingNew", "x");
        expect(parseSiteEvent("1-0", flat)).toEqual(parseSiteEventStrict("1-0", flat));
      },
    ),
    { numRuns: 20_000 },
  );
});

test("valid entries of every type read alike, with numbers as numbers and blanks left out", () => {
  const entries = [
    ["type", "answered", "at", "1000", "queue", "support", "lane", "express", "callId", "c1", "agentId", "a1", "waitMs", "2500", "ringMs", "400", "requeues", "0"],
    ["type", "agent", "at", "1000", "agentId", "a1", "from", "oncall", "to", "wrapup", "reason", "", "queues", "support,billing"],
    ["type", "abandoned", "at", "1000", "queue", "support", "lane", "express", "callId", "c1", "agentId", "", "waitMs", "2500"],
    ["type", "handled", "at", "1000", "callId", "c1", "agentId", "a1", "queue", "support", "lane", "express", "talkMs", "", "disposition", "resolved"],
    ["type", "survey", "at", "1000", "callId", "c1", "score", "4", "scale", "5"],
    ["type", "appointment", "at", "1000", "bookingId", "ap-1", "queue", "support", "outcome", "moved", "kind", "standard", "slotStart", "1796662800000", "result", "rebalance"],
    ["type", "appointment", "at", "1000", "bookingId", "ap-2", "queue", "support", "outcome", "booked", "kind", "express", "slotStart", "1796662800000", "result", ""],
  ];
  for (const e of entries) {
    const fast = parseSiteEvent("1-0", e);
    expect(fast).toBeDefined();
    expect(fast).toEqual(parseSiteEventStrict("1-0", e));
  }
  expect(parseSiteEvent("1-0", entries[1]!)).toMatchObject({ queues: ["support", "billing"] });
  expect(parseSiteEvent("1-0", entries[2]!)).not.toHaveProperty("agentId");
});
