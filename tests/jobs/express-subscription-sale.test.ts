/**
 * The express subscription sold by an agent (config/offers.yaml's express-lane-subscription, shown to
 * callers who are not express and waited long) is billed like every sale: a `sale` job to the sales
 * webhook with the offer's value (or the amount the agent typed) in the rules' currency. Who may be
 * pitched follows the one express rule: an expired subscription gets the offer again, a running one or
 * an express tier does not.
 */
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { enrichCustomer } from "../../src/crm/customer.js";
import { expressConfigSchema } from "../../src/crm/express-config.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { AgentDesk, type DeskDeps } from "../../src/desk/agent-desk.js";
import type { DeskCall } from "../../src/desk/store.js";
import { payloadSchemas, type AnyPayload, type JobKind } from "../../src/jobs/index.js";
import { createLogger } from "../../src/lib/logger.js";
import { offerCallSchema } from "../../src/offers/context.js";
import { loadOffers } from "../../src/offers/load.js";
import { rankOffers } from "../../src/offers/rank.js";

const NOW = new Date("2026-11-22T09:00:00Z");
const RULE = expressConfigSchema.parse({ tiers: ["gold"] });
const loaded = loadOffers("config/offers.yaml");
if (!loaded.ok) throw new Error("config/offers.yaml does not load");
const rules = loaded.rules;
const customers = new Map(loadCustomersFile("config/customers.yaml", NOW).map((c) => [c.id, enrichCustomer(c, NOW, RULE)]));
const ranked = (id: string) => rankOffers(rules, { customer: customers.get(id)!, call: offerCallSchema.parse({ callerNumber: customers.get(id)!.phones[0] }), vars: {} }, { capsUsed: {}, limit: 10 });

/** A desk whose call record and job hub are in memory: what `outcome` publishes is kept. */
function desk(call: DeskCall) {
  const published: Array<{ kind: JobKind; payload: AnyPayload }> = [];
  const deps = {
    config: loadConfig("config/switchboard.yaml", {}),
    store: { get: async () => call, recordOutcome: async () => undefined },
    jobs: {
      publish: async (kind: JobKind, payload: AnyPayload) => {
        published.push({ kind, payload: payloadSchemas[kind].parse(payload) as AnyPayload });
        return { id: "x" };
      },
    },
    logger: createLogger("silent"),
  } as unknown as DeskDeps;
  return { desk: new AgentDesk(deps), published };
}

describe("the express subscription sold in a call", () => {
  test("is offered to a caller whose subscription ran out, not to a running subscription or an express tier", () => {
    expect(ranked("c-1006").map((o) => o.id)).toContain("express-lane-subscription");
    expect(ranked("c-1005").map((o) => o.id)).not.toContain("express-lane-subscription");
    expect(customers.get("c-1010")!.express).toBe(true);
    expect(ranked("c-1010").map((o) => o.id)).not.toContain("express-lane-subscription");
  });

  test("sold: one sale job with the offer's value in the rules' currency, or the amount the agent typed", async () => {
    const offer = ranked("c-1006").find((o) => o.id === "express-lane-subscription")!;
    const call: DeskCall = {
      agentId: "1001",
      callerNumber: "5551006",
      customer: { id: "c-1006", name: "Farid Haddad" },
      offers: [{ id: offer.id, title: offer.title, value: offer.value, currency: offer.currency }],
      queue: "support",
      lane: "standard",
      waitSeconds: 240,
      path: [],
      answeredAt: NOW.toISOString(),
    };
    const a = desk(call);
    await a.desk.outcome("1001", { callId: "call-1", offerId: offer.id, outcome: "sold" });
    expect(a.published).toEqual([
      {
        kind: "sale",
        payload: expect.objectContaining({
          idempotencyKey: "call-1:express-lane-subscription:sale",
          callId: "call-1",
          customer: { id: "c-1006", name: "Farid Haddad", phone: "5551006" },
          offer: { id: "express-lane-subscription", title: "Express lane subscription", value: 60 },
          amount: 60,
          currency: "EUR",
        }),
      },
    ]);
    const b = desk(call);
    await b.desk.outcome("1001", { callId: "call-2", offerId: offer.id, outcome: "sold", amount: 49 });
    expect(b.published[0]!.payload).toMatchObject({ amount: 49, currency: "EUR" });
  });
});
