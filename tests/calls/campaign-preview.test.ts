/**
 * Preview pacing through the simulator: a campaign's member is first shown to the agent (the card with the
 * customer and the script, the line in preview) while nothing is dialled; Call rings the agent's phone and
 * then the customer, Skip leaves the member uncalled for good, and a preview nobody answers goes back to
 * the queue, the agent paused as after a missed ring, and is shown again once the agent is back. A member
 * outside their calling hours is never shown. The attempt log holds a decision for each attempt placed
 * and for each refusal, nothing for a skip. Waits are for conditions only.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { hashPassword } from "../../src/cti/password.js";
import type { ScreenPop } from "../../src/cti/pop.js";
import type { Line } from "../../src/cti/protocol.js";
import { AudienceIndex } from "../../src/outbound/audience-store.js";
import type { Member } from "../../src/outbound/campaign-members.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { everyDay, openWindow, outboundAdmin, tokyoHourAhead } from "./campaign-rig.js";
import { daemon, setup, stopAll, waitFor } from "./harness.js";

const NUM = { ann: "+4930222001", ben: "+4930222002", cat: "+4930222003", dan: "+81312345678" };
const dir = mkdtempSync(join(tmpdir(), "sb-preview-"));
const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function customersFile(): string {
  const one = (id: string, name: string, phone: string) =>
    `  - id: ${id}\n    name: ${name}\n    phones: ["${phone}"]\n    tier: standard\n    history: [{ at: "-2d", queue: support, lane: standard, waitSeconds: 30, agent: "1001", disposition: resolved, reason: technical support }]\n`;
  const file = join(dir, "customers.yaml");
  writeFileSync(file, "customers:\n" + one("c-ann", "Ann Arendt", NUM.ann) + one("c-ben", "Ben Brandt", NUM.ben) + one("c-cat", "Cat Claussen", NUM.cat) + one("c-dan", "Dan Tanaka", NUM.dan));
  return file;
}


test("preview: Call dials after the agent chooses, Skip never dials, an unanswered preview goes back to the queue", async () => {
  const passwordHash = await hashPassword("agent-password", { N: 1024, r: 8, p: 1 });
  const file = customersFile();
  const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash }], { callbacks: { answerTimeout: 5, acceptTimeout: 3 } }, {
    cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
    crm: { store: "file", file, timeoutMs: 1500 },
    outbound: {
      compliance: {
        callingHours: { default: { hours: everyDay(), closedOnHolidays: false }, countries: { JP: { hours: everyDay(tokyoHourAhead()), closedOnHolidays: false } } },
        zones: { JP: ["Asia/Tokyo"] },
      },
      campaigns: { tickSeconds: 0.2 },
    },
  });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 50 });
  for (const n of Object.values(NUM)) s.sim.control.addCustomer({ number: n, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
  const d = await daemon(s, { TEST_SESSION_SECRET: SECRET });
  const admin = outboundAdmin(d.url);
  const index = new AudienceIndex(s.redis.client(), s.redis.prefix);
  expect(await index.indexCustomers(loadCustomersFile(file, new Date()))).toBe(4);
  expect((await admin("POST", "/audiences", { id: "support-callers", name: "Support callers", condition: 'calls.exists(c, c.reason == "technical support")', since: "30d" })).status).toBe(201);

  const desk = await AgentClient.login(d.url, "1001");
  clients.push(desk);
  let n = 0;
  const request = async (msg: Record<string, unknown>) => {
    const id = `r${++n}`;
    desk.send({ ...msg, id });
    return waitFor(`the reply to ${String(msg.type)}`, () => {
      const i = desk.messages.findIndex((m) => (m.type === "ok" || m.type === "error") && m.id === id);
      return i >= 0 && desk.messages.splice(i, 1)[0]!;
    });
  };
  expect((await request({ type: "state", state: "available" })).type).toBe("ok");

  // a campaign with nothing to say about previewSeconds without preview pacing
  const window = openWindow();
  const base = { name: "Pro 5", audience: "support-callers", queue: "support", script: { title: "Pro 5.0 upgrade", pitch: "Free migration" }, window };
  const wrong = await admin("POST", "/campaigns", { id: "wrong", ...base, previewSeconds: 5 });
  expect(wrong.status).toBe(400);
  expect(JSON.stringify(wrong.body)).toContain("previewSeconds goes with pacing: preview");
  expect((await admin("POST", "/campaigns", { id: "pv", ...base, pacing: "preview", previewSeconds: 5 })).status).toBe(201);
  expect((await admin("POST", "/campaigns/pv/start")).body.campaign).toMatchObject({ state: "running", members: 4 });

  const customerLegs = (callId: string) => s.sim.control.listChannels().filter((c) => c.id.startsWith(`sbk-${callId}~`) || c.id.startsWith(`sbc-${callId}~`));
  /** The next card in preview: its pop (shown as ringing) and its line; nothing has been dialled for it. */
  const nextPreview = async () => {
    const { line } = (await desk.next("line", (m) => (m.line as Line).state === "preview")) as unknown as { line: Line };
    const { pop } = (await desk.next("ringing", (m) => (m.pop as ScreenPop).callId === line.callId)) as unknown as { pop: ScreenPop & { callback: NonNullable<ScreenPop["callback"]> } };
    expect(line.previewUntil! - line.ringingAt!).toBeGreaterThan(4000);
    expect(pop.callback.purpose).toMatchObject({ kind: "campaign", title: "Pro 5.0 upgrade", pitch: "Free migration" });
    expect(pop.customer?.name).toBeTruthy();
    expect(customerLegs(line.callId)).toEqual([]);
    expect(s.sim.control.customerCalls(pop.callback.number)).toEqual([]);
    return { callId: line.callId, number: pop.callback.number };
  };
  const memberOf = async (customerId: string) => ((await admin("GET", "/campaigns/pv/members")).body.members as Member[]).find((m) => m.customerId === customerId);

  const seen: string[] = [];
  let catTimedOut = false;
  while (seen.length < 4) {
    const p = await nextPreview();
    seen.push(p.number);
    if (p.number === NUM.ben) {
      // skipped: off the desk, never dialled, no attempt logged
      expect((await request({ type: "preview", callId: p.callId, choice: "skip" })).type).toBe("ok");
      await desk.next("popCleared", (m) => m.callId === p.callId);
      await waitFor("Ben skipped", async () => (await memberOf("c-ben"))?.status === "skipped");
      // a second Skip (another tab) finds the preview over
      const again = await request({ type: "preview", callId: p.callId, choice: "call" });
      expect(again).toMatchObject({ type: "error" });
    } else if (p.number === NUM.cat && !catTimedOut) {
      // nobody chooses: after 5 s the card goes, the agent is paused as after a missed ring, Cat waits on undialled
      await desk.next("popCleared", (m) => m.callId === p.callId);
      await desk.next("status", (m) => m.state === "paused");
      expect((await memberOf("c-cat"))?.status).toBe("queued");
      expect(customerLegs(p.callId)).toEqual([]);
      catTimedOut = true;
      expect((await request({ type: "state", state: "available" })).type).toBe("ok");
    } else {
      // Call: the agent's phone rings first, then the customer is dialled and put through
      expect((await request({ type: "preview", callId: p.callId, choice: "call" })).type).toBe("ok");
      await desk.next("pop", (m) => (m.pop as ScreenPop).callId === p.callId);
      expect(s.sim.control.customerCalls(p.number).map((r) => r.outcome)).toEqual(["answered"]);
      // the agent hangs up after a few seconds' talk; after the wrap-up the next preview comes
      await desk.next("status", (m) => m.state === "wrapup");
    }
  }
  expect(seen.filter((x) => x === NUM.cat)).toHaveLength(2);

  const settled = await waitFor(
    "Ann and Cat reached, Ben skipped, Dan held",
    async () => {
      const c = (await admin("GET", "/campaigns/pv")).body;
      const m = c.members as Record<string, number>;
      // the statuses and the KPIs are two views written apart (a member's record, the event stream): both
      return m.done === 2 && m.skipped === 1 && m.held === 1 && c.kpis.contacts === 2 && c;
    },
    30_000,
  );
  expect(s.sim.control.customerCalls(NUM.ben)).toEqual([]);
  expect(s.sim.control.customerCalls(NUM.dan)).toEqual([]);
  expect(settled.kpis).toMatchObject({ fed: 4, attempts: 2, contacts: 2 });
  // the attempt log: one allowed decision for each call placed, with its outcome; nothing for Ben
  const log = (await admin("GET", "/attempts?limit=100")).body.entries as Array<Record<string, any>>;
  expect(log.filter((e) => e.leadId === "pv:c-ben")).toEqual([]);
  // Dan, outside his hours in Tokyo, was never shown: the refusals are logged (the check runs when a preview would be)
  const dan = log.filter((e) => e.leadId === "pv:c-dan");
  expect(dan.length).toBeGreaterThanOrEqual(1);
  expect(dan.every((e) => e.type === "decision" && e.allowed === false && e.blockedBy.includes("hours"))).toBe(true);
  for (const lead of ["pv:c-ann", "pv:c-cat"]) {
    const mine = log.filter((e) => e.leadId === lead);
    expect(mine.filter((e) => e.type === "decision").map((e) => [e.allowed, e.inputs.mode])).toEqual([[true, "preview"]]);
    expect(mine.filter((e) => e.type === "outcome").map((e) => e.outcome)).toEqual(["connected"]);
  }
}, 120_000);
