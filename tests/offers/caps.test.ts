import { afterAll, describe, expect, test } from "vitest";
import { customerSchema, enrichCustomer } from "../../src/crm/customer.js";
import { OfferCaps } from "../../src/offers/caps.js";
import { offerCallSchema } from "../../src/offers/context.js";
import { parseOffers, type OfferRules } from "../../src/offers/load.js";
import { rankOffers } from "../../src/offers/rank.js";
import { redisPerFile } from "../setup/redis.js";

const DAY = 86_400_000;
const rulesText = `currency: EUR
offers:
  - id: top-up
    title: Top-up
    kind: sell-in-call
    when: "true"
    facts: [{ text: low balance }]
    pitch: Top up now.
    value: 20
    priority: 9
    cap: { times: 2, days: 7 }
  - id: renewal
    title: Renewal
    kind: sell-in-call
    when: "true"
    facts: [{ text: contract ends }]
    pitch: Renew now.
    value: 240
    priority: 5
    cap: { times: 1, days: 30 }
`;
const parsed = parseOffers("caps.yaml", rulesText);
if (!parsed.ok) throw new Error("test rules do not load");
const rules: OfferRules = parsed.rules;

const { env, redis } = redisPerFile();
const prefix = env.prefix;
// runs before redisPerFile closes the client: vitest runs after-hooks last registered first
afterAll(async () => {
  const keys = await redis().keys(`${prefix}*`);
  if (keys.length) await redis().del(...keys);
});

describe("OfferCaps on a real redis-server", () => {
  test("presentations count within each offer's window and the cap then drops the offer from the ranking", async () => {
    const caps = new OfferCaps(redis(), prefix);
    const now = new Date();
    const ctx = { customer: enrichCustomer(customerSchema.parse({ id: "c-7", name: "Cap Test", phones: ["5550007"] }), now), call: offerCallSchema.parse({ callerNumber: "5550007" }), vars: {} };
    const rank = async () => rankOffers(rules, ctx, { capsUsed: await caps.used("c-7", ["top-up", "renewal"], rules, now) }).map((o) => o.id);

    expect(await rank()).toEqual(["top-up", "renewal"]);
    await caps.recordPresented("c-7", ["top-up", "renewal"], rules, now);
    expect(await caps.used("c-7", ["top-up", "renewal"], rules, now)).toEqual({ "top-up": 1, renewal: 1 });
    expect(await rank()).toEqual(["top-up"]);
    await caps.record("c-7", "top-up", now, 7);
    expect(await rank()).toEqual([]);
    // Another customer is not affected.
    expect(await caps.used("c-8", ["top-up", "renewal"], rules, now)).toEqual({ "top-up": 0, renewal: 0 });
  });

  test("presentations older than the window no longer count, and are trimmed on the next write", async () => {
    const caps = new OfferCaps(redis(), prefix);
    const now = Date.now();
    await caps.record("c-9", "top-up", new Date(now - 8 * DAY), 7);
    await caps.record("c-9", "top-up", new Date(now - 6 * DAY), 7);
    expect(await caps.used("c-9", ["top-up"], rules, new Date(now))).toEqual({ "top-up": 1 });
    await caps.record("c-9", "top-up", new Date(now), 7);
    const key = (await redis().keys(`${prefix}*c-9*`))[0]!;
    expect(await redis().zcard(key)).toBe(2);
    expect(await redis().pttl(key)).toBeGreaterThan(0);
  });

  test("two presentations in the same millisecond both count", async () => {
    const caps = new OfferCaps(redis(), prefix);
    const now = new Date();
    await Promise.all([caps.record("c-10", "renewal", now, 30), caps.record("c-10", "renewal", now, 30)]);
    expect(await caps.used("c-10", ["renewal", "not-in-rules"], rules, now)).toEqual({ renewal: 2, "not-in-rules": 0 });
  });
});
