import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { customerSchema, enrichCustomer } from "../../src/crm/customer.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { composePop, screenPopSchema, type PopInput } from "../../src/cti/pop.js";
import { offerCallSchema } from "../../src/offers/context.js";
import { loadOffers } from "../../src/offers/load.js";
import { rankOffers } from "../../src/offers/rank.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NOW = new Date("2026-03-10T12:00:00Z");
const express = { displayName: "Priority line", headStart: 300, priorityBoost: 0, sla: { seconds: 20, percent: 80 } };
const standard = { ...express, displayName: "Standard line", headStart: 0 };

function input(fields: Partial<PopInput> = {}): PopInput {
  return {
    call: { callId: "call-1", callerNumber: "+4930555003", callerName: "CARLA DIAZ" },
    customer: null,
    lane: { id: "standard", config: standard },
    queue: { id: "support" },
    path: [],
    vars: {},
    waitMs: 0,
    offers: [],
    ...fields,
  };
}

describe("composePop", () => {
  test("a demo customer with an outdated version: summary, express lane, path, reason and the upgrade offer", () => {
    const carla = loadCustomersFile(path.join(root, "config/customers.yaml"), NOW).find((c) => c.id === "c-1003")!;
    const view = enrichCustomer(carla, NOW);
    const rules = loadOffers(path.join(root, "config/offers.yaml"));
    if (!rules.ok) throw new Error("shipped offers do not load");
    const offers = rankOffers(rules.rules, { customer: view, call: offerCallSchema.parse({ callerNumber: carla.phones[0] }), vars: {} }, { capsUsed: {} });
    const pop = composePop(
      input({
        customer: view,
        lane: { id: "express", config: express },
        queue: { id: "support", config: { displayName: "Technical support" } as never },
        path: [
          { node: "main:welcome", type: "play" },
          { node: "main:menu", type: "menu", choice: "2", label: "Technical problem" },
        ],
        reason: "technical",
        waitMs: 12_400,
        offers,
      }),
    );
    expect(screenPopSchema.parse(pop)).toEqual(pop);
    expect(pop).toMatchObject({
      callId: "call-1",
      callerName: "CARLA DIAZ",
      customer: { id: "c-1003", name: "Carla Diaz", products: [{ sku: "PRO", version: "4.2", currentVersion: "5.0", outdated: true }] },
      lane: "express",
      laneName: "Priority line",
      express: true,
      queueName: "Technical support",
      path: [
        { node: "main:welcome", choice: null, label: null },
        { node: "main:menu", choice: "2", label: "Technical problem" },
      ],
      reason: "technical",
      waitSeconds: 12,
    });
    const upgrade = pop.offers.find((o) => o.id === "upgrade-outdated-version");
    expect(upgrade?.facts).toContain("Pro 4.2 installed, 5.0 current");
  });

  test("history: newest five, whatever order the CRM returned", () => {
    const history = [3, 9, 1, 7, 5, 8, 2].map((d) => ({ at: `2026-03-0${d}T10:00:00Z`, disposition: `d${d}`, agent: "1001", waitSeconds: d }));
    const c = enrichCustomer(customerSchema.parse({ id: "c-9", name: "Nine", phones: ["5559"], history }), NOW);
    const pop = composePop(input({ customer: c }));
    expect(pop.history.map((h) => h.disposition)).toEqual(["d9", "d8", "d7", "d5", "d3"]);
    expect(pop.history[0]).toEqual({ at: "2026-03-09T10:00:00Z", disposition: "d9", agent: "1001", waitSeconds: 9, recorded: false });
  });

  test("history: a recorded call says it was recorded, never where the file is (agents may not fetch recordings)", () => {
    const recording = { id: "sbrec-17.3-abc", url: "/api/supervisor/recordings/sbrec-17.3-abc" };
    const history = [{ at: "2026-03-09T10:00:00Z", disposition: "resolved", recording }, { at: "2026-03-08T10:00:00Z", disposition: "resolved" }];
    const c = enrichCustomer(customerSchema.parse({ id: "c-9", name: "Nine", phones: ["5559"], history }), NOW);
    const pop = composePop(input({ customer: c }));
    expect(pop.history.map((h) => h.recorded)).toEqual([true, false]);
    expect(JSON.stringify(pop)).not.toContain(recording.id);
  });

  test("an unknown caller with a withheld name: no customer, standard lane, reason from the tree's vars", () => {
    const pop = composePop(input({ call: { callId: "c2", callerNumber: "anonymous", callerName: "  " }, vars: { reason: "billing question" }, waitMs: -5 }));
    expect(pop).toMatchObject({ callerName: null, customer: null, express: false, laneName: "Standard line", queueName: "support", reason: "billing question", waitSeconds: 0, history: [] });
    // a lane the config no longer has still shows its id rather than nothing
    expect(composePop(input({ lane: { id: "vip" } }))).toMatchObject({ laneName: "vip", express: false });
  });

  test("caller-controlled text is carried verbatim (the page renders it as text)", () => {
    const pop = composePop(input({ call: { callId: "c3", callerNumber: "5550", callerName: "<img src=x onerror=alert(1)>" } }));
    expect(pop.callerName).toBe("<img src=x onerror=alert(1)>");
  });
});
