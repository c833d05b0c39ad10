/**
 * A campaign end to end through the simulator: customers indexed into the audience index, an audience
 * saved and a campaign created and started over the admin API. Members within their calling hours are
 * called agent first (the agent's pop shows the campaign's script, then the customer is dialled through
 * the simulator's trunk and presses 1); a member whose local time is outside the hours is never dialled
 * (the attempt log shows the block); a busy member is tried again and reached, one who does not answer is
 * given up after the campaign's attempts; the customer dials in progress never outnumber the agents free
 * to take them. The campaign's KPIs and member statuses over the admin API are held against what the
 * simulator and the event stream saw. Waits are for conditions only.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { hashPassword } from "../../src/cti/password.js";
import type { ScreenPop } from "../../src/cti/pop.js";
import { AudienceIndex } from "../../src/outbound/audience-store.js";
import type { Member } from "../../src/outbound/campaign-members.js";
import type { CustomerCallRecord } from "../../src/sim/scenario/customer-record.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { everyDay, openWindow, outboundAdmin, tokyoHourAhead } from "./campaign-rig.js";
import { daemon, setup, stopAll, waitFor } from "./harness.js";

const NUM = { ann: "+4930111001", ben: "+4930111002", cat: "+4930111003", dan: "+81312345678", eve: "+4930111005" };
const dir = mkdtempSync(join(tmpdir(), "sb-campaign-"));
const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Four customers who called support on Pro 4.2 (one of them in Tokyo) and one who did not call about it. */
function customersFile(): string {
  const pro = `products: [{ sku: PRO, name: Pro, version: "4.2", currentVersion: "5.0", purchased: "-600d" }]`;
  const support = `history: [{ at: "-3d", queue: support, lane: standard, waitSeconds: 60, agent: "1001", disposition: resolved, reason: technical support }]`;
  const one = (id: string, name: string, phone: string, reason = support) => `  - id: ${id}\n    name: ${name}\n    phones: ["${phone}"]\n    tier: standard\n    ${pro}\n    ${reason}\n`;
  const file = join(dir, "customers.yaml");
  writeFileSync(
    file,
    "customers:\n" +
      one("c-ann", "Ann Arendt", NUM.ann) +
      one("c-ben", "Ben Brandt", NUM.ben) +
      one("c-cat", "Cat Claussen", NUM.cat) +
      one("c-dan", "Dan Tanaka", NUM.dan) +
      one("c-eve", "Eve Ebert", NUM.eve, `history: [{ at: "-3d", queue: billing, lane: standard, waitSeconds: 60, agent: "1002", disposition: resolved, reason: invoice question }]`),
  );
  return file;
}


type Pop = ScreenPop & { callback: NonNullable<ScreenPop["callback"]> };
type Kpis = {
  leads: number;
  fed: number;
  attempts: number;
  attemptResults: { answered: number; busy: number; noAnswer: number; noKey: number; failed: number };
  contacts: number;
  completed: number;
  gaveUp: number;
  conversions: number;
  sales: number;
  revenue: number;
  currency: string;
  agentTime: { dialMs: number; talkMs: number; wrapupMs: number; costMs: number };
};

describe("a campaign through the simulator", () => {
  test("its members within their hours are called agent first, retried, given up; the one outside them is never dialled; KPIs and statuses follow", async () => {
    const passwordHash = await hashPassword("agent-password", { N: 1024, r: 8, p: 1 });
    const agent = (id: string, name: string) => ({ id, name, endpoint: `PJSIP/${id}`, queues: ["support"], skills: ["support"], passwordHash });
    const file = customersFile();
    const s = await setup([agent("1001", "Alex Morgan"), agent("1002", "Sam Patel")], { callbacks: { answerTimeout: 5, acceptTimeout: 3 } }, {
      cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
      crm: { store: "file", file, timeoutMs: 1500 },
      outbound: {
        compliance: {
          // every day, all day, except in Japan: one hour that has not come yet today
          callingHours: { default: { hours: everyDay(), closedOnHolidays: false }, countries: { JP: { hours: everyDay(tokyoHourAhead()), closedOnHolidays: false } } },
          // Japan is not in the built-in table: its zone is configured
          zones: { JP: ["Asia/Tokyo"] },
        },
        campaigns: { tickSeconds: 0.2 },
      },
    });
    // agents talk long enough for every customer dial to end by itself (answerTimeout 5 s), then hang up
    for (const id of ["1001", "1002"]) s.sim.control.addAgent({ endpoint: `PJSIP/${id}`, answerDelay: 0.2, talkTime: 100 });
    const answers = { answer: "answer" as const, answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 };
    s.sim.control.addCustomer({ number: NUM.ann, ...answers });
    s.sim.control.addCustomer({ number: NUM.ben, answer: "busy", answerDelay: 0.3 });
    s.sim.control.addCustomer({ number: NUM.cat, answer: "no-answer" });
    s.sim.control.addCustomer({ number: NUM.dan, ...answers });
    // Ben is busy the first time, then answers
    s.sim.control.onCustomerCallEnded((r) => {
      if (r.number === NUM.ben && r.outcome === "busy") s.sim.control.updateCustomer(NUM.ben, answers);
    });
    const d = await daemon(s, { TEST_SESSION_SECRET: SECRET });
    const admin = outboundAdmin(d.url);

    // the customers and their calls in the audience index, as `switchboard audience index <file>` does
    const index = new AudienceIndex(s.redis.client(), s.redis.prefix);
    expect(await index.indexCustomers(loadCustomersFile(file, new Date()))).toBe(5);
    const condition = 'calls.exists(c, c.reason == "technical support") && customer.products.exists(p, p.sku == "PRO" && p.version.startsWith("4."))';
    expect((await admin("POST", "/audiences", { id: "pro4-support", name: "Pro 4 support callers", condition, since: "30d" })).status).toBe(201);

    // two desks: Alex available, Sam paused for now (one agent free)
    const desks = new Map<string, AgentClient>();
    for (const id of ["1001", "1002"]) {
      const desk = await AgentClient.login(d.url, id);
      clients.push(desk);
      desks.set(id, desk);
    }
    const setState = async (id: string, state: "available" | "paused", n: number) => {
      desks.get(id)!.send({ type: "state", id: `st-${id}-${n}`, state, ...(state === "paused" ? { reason: "training" } : {}) });
      await desks.get(id)!.next("ok", (m) => m.id === `st-${id}-${n}`);
    };
    await setState("1001", "available", 1);
    await setState("1002", "available", 1);
    await setState("1002", "paused", 2);
    let freeAgents = 1;

    // the agents at work: every pop is kept; on Ann's call the upgrade the pop offers is sold
    const pops: Pop[] = [];
    const sales: Array<{ callId: string; amount: number }> = [];
    const work = async (desk: AgentClient) => {
      for (;;) {
        const { pop } = (await desk.next("pop")) as unknown as { pop: Pop };
        if (!pop.callback || pops.some((p) => p.callId === pop.callId)) continue;
        pops.push(pop);
        if (pop.callback.number !== NUM.ann) continue;
        const offer = pop.offers.find((o) => o.id === "upgrade-outdated-version")!;
        desk.send({ type: "outcome", id: `sold-${pop.callId}`, callId: pop.callId, offerId: offer.id, outcome: "sold", amount: offer.value });
        await desk.next("ok", (m) => m.id === `sold-${pop.callId}`);
        sales.push({ callId: pop.callId, amount: offer.value });
      }
    };
    for (const desk of desks.values()) void work(desk).catch(() => undefined);

    // watched throughout: a customer is dialled only from an agent's call that is up, and never more at once than agents free
    const violations: string[] = [];
    let maxLive = 0;
    const watch = () => {
      const channels = s.sim.control.listChannels();
      const customers = channels.filter((c) => c.id.startsWith("sbk-"));
      maxLive = Math.max(maxLive, customers.length);
      if (customers.length > freeAgents) violations.push(`${customers.length} customers dialled with ${freeAgents} agents free`);
      // while it rings (once up, the agent may hang up first and the customer's leg follows)
      for (const c of customers.filter((x) => x.state !== "Up")) {
        const callback = c.id.slice(4, c.id.indexOf("~"));
        if (!channels.some((a) => a.id.startsWith(`sbc-${callback}~`) && a.state === "Up")) violations.push(`customer of ${callback} dialled without its agent on the line`);
      }
    };
    const timer = setInterval(watch, 10);

    try {
      const window = openWindow();
      const created = await admin("POST", "/campaigns", {
        id: "pro5",
        name: "Pro 5 for Pro 4 users",
        audience: "pro4-support",
        queue: "support",
        script: { title: "Pro 5.0 upgrade", pitch: "Free migration, 20% off this month" },
        window,
        retry: { maxAttempts: 2, delaySeconds: 1 },
      });
      expect(created.status).toBe(201);
      const started = await admin("POST", "/campaigns/pro5/start");
      expect(started.status).toBe(200);
      // Eve never called about technical support: four members
      expect(started.body.campaign).toMatchObject({ state: "running", members: 4 });

      // the first contact with one agent free; then Sam is free too
      await waitFor("a first customer put through", () => pops.length >= 1, 30_000);
      freeAgents = 2;
      await setState("1002", "available", 3);

      const campaign = async () => (await admin("GET", "/campaigns/pro5")).body;
      const settled = await waitFor(
        "Ann converted, Ben reached, Cat given up, Dan held",
        async () => {
          const c = await campaign();
          const m = c.members as Record<string, number>;
          // the statuses and the KPIs are two views written apart (a member's record, the event stream): both
          return m.converted === 1 && m.done === 1 && m["gave-up"] === 1 && m.held === 1 && c.kpis.gaveUp === 1 && c.kpis.conversions === 1 && c;
        },
        60_000,
      );
      clearInterval(timer);
      watch();
      expect(violations).toEqual([]);
      expect(maxLive).toBeGreaterThanOrEqual(1);

      // each pop showed the campaign's script
      expect(pops.map((p) => p.callback.number).sort()).toEqual([NUM.ann, NUM.ben].sort());
      for (const p of pops) expect(p.callback.purpose).toMatchObject({ kind: "campaign", campaignId: "pro5", title: "Pro 5.0 upgrade", pitch: "Free migration, 20% off this month" });

      // what the simulator's trunk saw: Ann once, Ben busy then answered, Cat twice unanswered, Dan never
      const calls = (n: string) => s.sim.control.customerCalls(n);
      expect(calls(NUM.ann).map((r) => r.outcome)).toEqual(["answered"]);
      expect(calls(NUM.ben).map((r) => r.outcome)).toEqual(["busy", "answered"]);
      expect(calls(NUM.cat).map((r) => r.outcome)).toEqual(["no-answer", "no-answer"]);
      expect(calls(NUM.dan)).toEqual([]);
      expect(calls(NUM.eve)).toEqual([]);
      // the retry came after the campaign's delay
      const [busy, answered] = calls(NUM.ben) as [CustomerCallRecord, CustomerCallRecord];
      expect(Date.parse(answered.dialedAt) - Date.parse(busy.endedAt!)).toBeGreaterThanOrEqual(1000);

      // the member statuses over the admin API
      const members = (await admin("GET", "/campaigns/pro5/members")).body.members as Member[];
      const byId = Object.fromEntries(members.map((m) => [m.customerId, m]));
      expect(byId["c-ann"]).toMatchObject({ status: "converted", attempts: [{ outcome: "answered" }], sale: { offerId: "upgrade-outdated-version", amount: sales[0]!.amount } });
      expect(byId["c-ben"]).toMatchObject({ status: "done", attempts: [{ outcome: "busy" }, { outcome: "answered" }] });
      expect(byId["c-cat"]).toMatchObject({ status: "gave-up", attempts: [{ outcome: "no-answer" }, { outcome: "no-answer" }] });
      expect(byId["c-dan"]).toMatchObject({ status: "held", attempts: [], reason: expect.stringMatching(/^hours: /) });
      expect(byId["c-dan"]!.retryAt).toBeGreaterThan(Date.now());
      expect((await admin("GET", "/campaigns/pro5/members?status=held")).body.members.map((m: Member) => m.customerId)).toEqual(["c-dan"]);

      // the attempt log: Dan's attempt blocked by the hours in Tokyo, every placed attempt's outcome under its decision's id
      const log = (await admin("GET", "/attempts?limit=200")).body.entries as Array<Record<string, any>>;
      const dan = log.filter((e) => e.leadId === "pro5:c-dan");
      expect(dan.length).toBeGreaterThanOrEqual(1);
      expect(dan.every((e) => e.type === "decision" && e.allowed === false && e.blockedBy.includes("hours") && e.final === false)).toBe(true);
      expect(dan[0]!.inputs.zones).toEqual(["Asia/Tokyo"]);
      const outcomes = log.filter((e) => e.type === "outcome" && e.campaign === "pro5");
      expect(outcomes.map((e) => e.outcome).sort()).toEqual(["busy", "connected", "connected", "no-answer", "no-answer"]);
      for (const o of outcomes) expect(log.some((e) => e.type === "decision" && e.id === o.id && e.allowed === true)).toBe(true);

      // the KPIs, against what happened
      const kpis = settled.kpis as Kpis;
      const all = s.sim.control.customerCalls();
      const dialled = all.filter((r) => r.channelId.startsWith("sbk-cp-pro5-"));
      expect(dialled).toHaveLength(all.length);
      const put = dialled.filter((r) => r.dtmf.some((k) => k.digit === "1"));
      const sold = sales.reduce((n, x) => n + x.amount, 0);
      expect(kpis).toMatchObject({
        leads: 4,
        fed: 4,
        attempts: dialled.length,
        attemptResults: { answered: put.length, busy: dialled.filter((r) => r.outcome === "busy").length, noAnswer: dialled.filter((r) => r.outcome === "no-answer").length, noKey: 0, failed: 0 },
        contacts: put.length,
        gaveUp: 1,
        conversions: 1,
        sales: 1,
        revenue: sold,
        currency: "EUR",
      });
      expect(sold).toBeGreaterThan(0);
      // the agents' time from the queue's own events: talk from the customer put through until the agent left
      // the call, wrap-up until it ended, ringing and dialling from the offer on
      await waitFor("both wrap-ups over", async () => (await campaign()).kpis.completed === 2 && (await d.queue.status("support")).agents.every((a) => a.state !== "wrapup" && a.state !== "oncall"));
      const final = (await campaign()).kpis as Kpis;
      const events = await d.queue.events({ count: 100_000 });
      const expected = { dialMs: 0, talkMs: 0, wrapupMs: 0 };
      events.forEach((offered, i) => {
        if (offered.type !== "offered" || !offered.callId.startsWith("cp-pro5-")) return;
        const after = events.slice(i + 1);
        const end = after.find((e) => (e.type === "answered" || e.type === "requeued") && e.callId === offered.callId)!;
        expected.dialMs += end.at - offered.at;
        if (end.type !== "answered") return;
        const moves = after.slice(after.indexOf(end) + 1).filter((e) => e.type === "agent" && e.agentId === offered.agentId);
        const left = moves.find((e) => e.type === "agent" && e.from === "oncall")!;
        const wrapped = moves.find((e) => e.type === "agent" && e.from === "wrapup")!;
        expected.talkMs += left.at - end.at;
        expected.wrapupMs += wrapped.at - left.at;
      });
      expect(final.agentTime).toEqual({ ...expected, costMs: expected.talkMs + expected.wrapupMs });
      // the harness' queues wrap up for 1 s after each call
      expect(final.agentTime.wrapupMs).toBe(final.contacts * 1000);
      expect(final.agentTime.talkMs).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  }, 180_000);
});
