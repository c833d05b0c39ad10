/**
 * The desk's transfers beyond a queue, end to end: the daemon and the simulator over real sockets, Redis, the
 * agents' desks as WebSocket clients.
 *
 * - Blind transfer to a named agent: that agent's phone rings at once (its desk gets the pop while ringing),
 *   answered it has the caller; not answered, the caller goes back to its queue at the place of its first join
 *   (ahead of a caller who came later) and the agent who missed it is paused.
 * - Consultation: the caller hears music while the consulted agent rings; answered, the two agents hear each
 *   other and the caller hears neither; completed, the caller talks with the consulted agent, who is on the
 *   call in the queue and gets the pop, while the first agent's part is written as transferred; cancelled,
 *   or not answered, the first agent is back with the caller.
 * - The consulted agent's desk: the caller's card (the same pop) while their phone rings and while the agents
 *   talk, marked as a consultation from the first agent and refused outcomes and dispositions; completed, it
 *   is their live card; fallen through (cancelled, not answered, a party hung up), it goes, with why.
 * - Nobody lost mid-way: the caller hanging up ends the consultation leg and frees the consulted agent; the
 *   first agent hanging up while consulting completes the transfer.
 * - Accept: a phone that takes remote answers is answered from the desk (AMI PJSIPNotify, Event: talk); one
 *   that does not is refused with the reason.
 */
import { afterEach, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import type { Daemon } from "../../src/daemon/index.js";
import type { Simulator } from "../../src/sim/index.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { daemon, setup, stopAll, supportCaller, waitFor, type Setup } from "./harness.js";

const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
});

type Msg = Record<string, unknown> & { type: string };
const NAMES: Record<string, string> = { "1001": "Alex Morgan", "1002": "Kim Laurent", "1003": "Sam Patel" };

async function desk(opts: { ringTimeout?: number; remoteAnswer?: boolean } = {}): Promise<{ s: Setup; d: Daemon }> {
  const passwordHash = await hashPassword("e2e-password", { N: 1024, r: 8, p: 1 });
  const agent = (id: string, queues: string[]) => ({ id, name: NAMES[id], endpoint: `PJSIP/${id}`, queues, skills: queues, passwordHash, ...(id === "1001" && opts.remoteAnswer ? { remoteAnswer: true } : {}) });
  const s = await setup([agent("1001", ["support"]), agent("1002", ["support"]), agent("1003", ["billing"])], { ringTimeout: opts.ringTimeout ?? 20 }, { cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } } });
  const d = await daemon(s, { TEST_SESSION_SECRET: SECRET });
  return { s, d };
}

async function loginAvailable(d: Daemon, id: string): Promise<AgentClient> {
  const c = await AgentClient.login(d.url, id);
  clients.push(c);
  c.send({ type: "state", id: "avail", state: "available" });
  await c.next("ok", (m) => m.id === "avail");
  return c;
}

/** Sends a request and waits for its answer: the ok, or the error's message. */
async function ask(c: AgentClient, msg: Record<string, unknown>): Promise<Msg> {
  const id = `r${Math.random().toString(36).slice(2)}`;
  c.send({ ...msg, id });
  return Promise.race([c.next("ok", (m) => m.id === id), c.next("error", (m) => m.id === id)]);
}

/** What a channel hears now, per the simulator's media model: `moh`, `silence`, or the names bridged with it. */
function hears(sim: Simulator, channelId: string): string {
  const last = sim.control.hearing(channelId)?.spans.at(-1);
  if (!last || last.to !== undefined) return "gone";
  return last.kind === "bridged" ? last.parties.map((p) => p.name.replace(/-[0-9a-f]+$/, "")).sort().join("+") : last.kind;
}

/** The channel of an agent's phone (`PJSIP/1001-...`) the PBX has now. */
const legOf = (sim: Simulator, endpoint: string): string => sim.pbx.listChannels().find((c) => c.name.startsWith(`${endpoint}-`))!.id;

const agentOf = async (d: Daemon, id: string, queue = "support") => (await d.queue.status(queue)).agents.find((a) => a.agentId === id);

/** Alex (1001) talking with a caller; Kim (1002) and Sam (1003) logged in and free unless told otherwise. */
async function onCall(opts: { ringTimeout?: number; kim?: Record<string, unknown> } = {}) {
  const { s, d } = await desk(opts);
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.5, talkTime: 6000 });
  s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 1, talkTime: 6000, ...opts.kim });
  s.sim.control.addAgent({ endpoint: "PJSIP/1003", answerDelay: 1, talkTime: 6000 });
  const alex = await loginAvailable(d, "1001");
  const { channelId } = s.sim.control.placeCall(supportCaller("5551003"));
  const { pop } = (await alex.next("pop", (m) => (m.pop as { callId: string }).callId === channelId)) as unknown as { pop: Pop };
  await waitFor("the caller bridged with Alex", () => hears(s.sim, channelId) === "PJSIP/1001");
  const kim = await loginAvailable(d, "1002");
  const sam = await loginAvailable(d, "1003");
  return { s, d, alex, kim, sam, callId: channelId, pop };
}

type Pop = { callId: string; callerNumber: string; customer: { id: string } | null; journey: string[]; offers: Array<{ id: string }> };
type LineMsg = { callId: string; state: string; consultFrom?: string | null };
const lineOf = (m: Msg) => m.line as LineMsg;
const popOf = (m: Msg) => m.pop as Pop;

/** The caller's card as the consulted agent's desk shows it while its phone rings: the pop of the call, its line marked. */
async function consultCardRinging(c: AgentClient, callId: string, pop: Pop): Promise<void> {
  expect(lineOf(await c.next("line", (m) => lineOf(m).callId === callId))).toMatchObject({ state: "ringing", consultFrom: "Alex Morgan" });
  const card = popOf(await c.next("ringing", (m) => popOf(m).callId === callId));
  // the same card the first agent has: who, how they came, what fits them
  expect(card.customer?.id).toBe(pop.customer?.id);
  expect(card.journey).toEqual(pop.journey);
  expect(card.offers.map((o) => o.id)).toEqual(pop.offers.map((o) => o.id));
}

/** The consultation fell through: the card leaves the consulted agent's desk and its page says why. */
async function consultCardGone(c: AgentClient, callId: string, why: string): Promise<void> {
  await c.next("popCleared", (m) => m.callId === callId);
  expect(await c.next("recorded", (m) => m.callId === callId)).toMatchObject({ what: "consult", text: why });
}

/** What the consulted agent reads on trying to record on the card before the transfer. */
const NOT_YOURS = "this call is still Alex Morgan's: it is yours once they transfer it";

describe("transfer to a named agent", () => {
  test("rings that agent at once; answered, the caller is with them and the first agent's part is written", async () => {
    const { s, d, alex, kim, callId } = await onCall();
    expect(await ask(alex, { type: "transfer", callId, agent: "1002" })).toMatchObject({ type: "ok" });
    expect(await alex.next("recorded", (m) => m.callId === callId)).toMatchObject({ what: "transfer", text: "Transferred to Kim Laurent" });
    await alex.next("popCleared", (m) => m.callId === callId);
    await kim.next("pop", (m) => (m.pop as { callId: string }).callId === callId);
    await waitFor("the caller bridged with Kim", () => hears(s.sim, callId) === "PJSIP/1002");
    expect((await agentOf(d, "1002"))?.state).toBe("oncall");
    expect((await agentOf(d, "1001"))?.state).toMatch(/wrapup|available/);
  }, 60_000);

  test("refused with the reason when that agent cannot take it: the caller stays", async () => {
    const { s, alex, kim, callId } = await onCall();
    kim.send({ type: "state", id: "p", state: "paused", reason: "Lunch" });
    await kim.next("ok", (m) => m.id === "p");
    expect(await ask(alex, { type: "transfer", callId, agent: "1002" })).toMatchObject({ type: "error", message: "Kim Laurent is paused: the caller stays with you." });
    expect(await ask(alex, { type: "transfer", callId, agent: "1001" })).toMatchObject({ type: "error", message: 'calls cannot be transferred to "1001" from the desktop' });
    expect(hears(s.sim, callId)).toBe("PJSIP/1001");
  }, 60_000);

  test("not answered: the caller goes back to its queue at the place of its first join, the agent is paused", async () => {
    // Kim's ring (60 simulated seconds, 6 s here) outlasts the later caller's way through the IVR on a busy machine:
    // with Kim paused and Alex too, nobody would staff the queue and it would turn that caller away
    const { s, d, alex, sam, callId } = await onCall({ ringTimeout: 60, kim: { noAnswerProbability: 1 } });
    sam.send({ type: "state", id: "p", state: "paused", reason: "Meeting" });
    await sam.next("ok", (m) => m.id === "p");
    expect(await ask(alex, { type: "transfer", callId, agent: "1002" })).toMatchObject({ type: "ok" });
    // Alex takes no more calls for now: the callers wait for whoever is free next
    await waitFor("Alex out of the call", async () => (await agentOf(d, "1001"))?.state === "wrapup");
    alex.send({ type: "state", id: "p", state: "paused", reason: "Break" });
    await alex.next("ok", (m) => m.id === "p");
    await waitFor("Kim's phone ringing for the caller", async () => (await agentOf(d, "1002"))?.callId === callId);
    // a caller who comes while Kim's phone rings waits
    const later = s.sim.control.placeCall(supportCaller("5551004")).channelId;
    await waitFor("the later caller queued", async () => (await d.queue.status("support")).callers.some((w) => w.callId === later));
    await waitFor("Kim paused after the missed ring", async () => (await agentOf(d, "1002"))?.state === "paused", 30_000);
    const waiting = await waitFor("the caller back in the queue", async () => {
      const st = await d.queue.status("support");
      return st.callers.some((w) => w.callId === callId) && st.callers;
    });
    expect(waiting.map((w) => w.callId)).toEqual([callId, later]);
    await waitFor("the caller on music", () => hears(s.sim, callId) === "moh");
    // the next agent free takes it first
    alex.send({ type: "state", id: "a", state: "available" });
    await alex.next("pop", (m) => (m.pop as { callId: string }).callId === callId);
    await waitFor("the caller with Alex again", () => hears(s.sim, callId) === "PJSIP/1001");
  }, 60_000);
});

describe("consultation", () => {
  test("the caller holds while the agents talk; completed, the caller talks with the consulted agent", async () => {
    const { s, d, alex, kim, callId, pop } = await onCall();
    expect(await ask(alex, { type: "consult", callId, agent: "1002" })).toMatchObject({ type: "ok" });
    expect(await alex.next("line", (m) => (m.line as { consult?: unknown }).consult !== undefined)).toMatchObject({ line: { consult: { name: "Kim Laurent", state: "ringing" }, held: true } });
    await waitFor("the caller on music", () => hears(s.sim, callId) === "moh");
    expect(await ask(alex, { type: "phone", callId, action: "complete" })).toMatchObject({ type: "error", message: "Kim Laurent has not answered yet: wait, or cancel the consultation." });
    // Kim's desk had the card while her phone rang (the client keeps every message: read in order now)
    await consultCardRinging(kim, callId, pop);
    await alex.next("line", (m) => (m.line as { consult?: { state: string } }).consult?.state === "talking");
    // Kim talks with Alex: the card stays, still a consultation, not hers to record on
    expect(lineOf(await kim.next("line", (m) => lineOf(m).callId === callId))).toMatchObject({ state: "talking", consultFrom: "Alex Morgan" });
    expect(await ask(kim, { type: "disposition", callId, disposition: "resolved" })).toMatchObject({ type: "error", message: NOT_YOURS });
    expect(await ask(kim, { type: "outcome", callId, offerId: pop.offers[0]!.id, outcome: "interested" })).toMatchObject({ type: "error", message: NOT_YOURS });
    expect(kim.messages.some((m) => m.type === "popCleared")).toBe(false);
    // another tab of Kim's opened now has the card as it is
    const kimTab = await AgentClient.login(d.url, "1002");
    clients.push(kimTab);
    await kimTab.next("ringing", (m) => popOf(m).callId === callId);
    expect(lineOf(await kimTab.next("line", (m) => lineOf(m).callId === callId))).toMatchObject({ state: "talking", consultFrom: "Alex Morgan" });
    const alexLeg = legOf(s.sim, "PJSIP/1001");
    await waitFor("Alex and Kim talking", () => hears(s.sim, alexLeg) === "PJSIP/1002");
    expect(hears(s.sim, callId)).toBe("moh");
    expect(await agentOf(d, "1002")).toMatchObject({ state: "oncall", callId });
    expect(await ask(alex, { type: "phone", callId, action: "hold" })).toMatchObject({ type: "error", message: expect.stringMatching(/^You are consulting on this call/) });

    expect(await ask(alex, { type: "phone", callId, action: "complete" })).toMatchObject({ type: "ok" });
    expect(await alex.next("recorded", (m) => m.callId === callId && m.what === "transfer")).toMatchObject({ text: "Transferred to Kim Laurent after a consultation" });
    await alex.next("popCleared", (m) => m.callId === callId);
    // Kim's card is now her live call: no longer a consultation, the pop of the answer
    expect(lineOf(await kim.next("line", (m) => lineOf(m).callId === callId))).toMatchObject({ state: "talking", consultFrom: null });
    expect(popOf(await kim.next("pop", (m) => popOf(m).callId === callId)).customer?.id).toBe(pop.customer?.id);
    expect(await kim.next("recorded", (m) => m.callId === callId)).toMatchObject({ what: "consult", text: "Alex Morgan transferred the caller to you" });
    await waitFor("the caller with Kim", () => hears(s.sim, callId) === "PJSIP/1002");
    await waitFor("Alex's leg gone", () => hears(s.sim, alexLeg) === "gone");
    expect(await ask(kim, { type: "outcome", callId, offerId: pop.offers[0]!.id, outcome: "interested" })).toMatchObject({ type: "ok" });
    expect(await agentOf(d, "1002")).toMatchObject({ state: "oncall", callId });
    await waitFor("Alex in wrap-up", async () => (await agentOf(d, "1001"))?.state !== "oncall");
    // Kim's part goes on: her hangup ends the call as an agent's does
    const kimLeg = legOf(s.sim, "PJSIP/1002");
    s.sim.pbx.hangup(kimLeg);
    await waitFor("Kim in wrap-up", async () => (await agentOf(d, "1002"))?.state !== "oncall");
    expect(await ask(kim, { type: "disposition", callId, disposition: "resolved" })).toMatchObject({ type: "ok" });
    const handled = await waitFor("both parts written", async () => {
      const h = (await s.redis.client().xrange(d.queue.keys.events, "-", "+")).map(([, f]) => Object.fromEntries(f.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]]))) as Record<string, string>).filter((e) => e.type === "handled" && e.callId === callId);
      return h.length === 2 && h;
    }, 30_000);
    expect(handled.map((e) => [e.agentId, e.disposition])).toEqual([["1001", "transferred"], ["1002", "resolved"]]);
    // each part has its own talk time: the consulted agent's starts when its leg joins the caller
    expect(handled.map((e) => e.talkMs !== undefined)).toEqual([true, true]);
  }, 90_000);

  test("cancelled: back with the caller; a consulted agent who does not answer: back with the caller, the agent paused", async () => {
    const { s, d, alex, kim, sam, callId, pop } = await onCall({ ringTimeout: 10 });
    await ask(alex, { type: "consult", callId, queue: "billing" });
    await consultCardRinging(sam, callId, pop);
    await alex.next("line", (m) => (m.line as { consult?: { name: string; state: string } }).consult?.state === "talking");
    expect(lineOf(await sam.next("line", (m) => lineOf(m).callId === callId))).toMatchObject({ state: "talking", consultFrom: "Alex Morgan" });
    expect(await agentOf(d, "1003", "billing")).toMatchObject({ state: "oncall", callId });
    expect(await ask(alex, { type: "phone", callId, action: "cancel" })).toMatchObject({ type: "ok" });
    expect(await alex.next("line", (m) => (m.line as { consult?: unknown }).consult === null)).toMatchObject({ line: { held: false } });
    await consultCardGone(sam, callId, "Alex Morgan went back to the caller.");
    expect(await ask(sam, { type: "disposition", callId, disposition: "resolved" })).toMatchObject({ type: "error", message: `call ${callId} is not on your desk` });
    await waitFor("the caller back with Alex", () => hears(s.sim, callId) === "PJSIP/1001");
    await waitFor("Sam free again", async () => (await agentOf(d, "1003", "billing"))?.state === "available");

    s.sim.control.updateAgent("PJSIP/1002", { noAnswerProbability: 1 });
    await ask(alex, { type: "consult", callId, agent: "1002" });
    await consultCardRinging(kim, callId, pop);
    expect(await alex.next("recorded", (m) => m.what === "consult")).toMatchObject({ text: "Kim Laurent did not answer: you are back with the caller." });
    await consultCardGone(kim, callId, "The consultation from Alex Morgan was not answered.");
    await waitFor("the caller back with Alex", () => hears(s.sim, callId) === "PJSIP/1001");
    expect(await agentOf(d, "1002")).toMatchObject({ state: "paused", pauseReason: "Did not answer a consultation" });
  }, 90_000);

  test("the caller hangs up mid-consultation: the consultation's leg ends, the consulted agent is free", async () => {
    const { s, d, alex, kim, callId } = await onCall();
    await ask(alex, { type: "consult", callId, agent: "1002" });
    await alex.next("line", (m) => (m.line as { consult?: { state: string } }).consult?.state === "talking");
    await kim.next("line", (m) => lineOf(m).callId === callId && lineOf(m).state === "talking");
    s.sim.pbx.hangup(callId);
    await consultCardGone(kim, callId, "The caller hung up: the consultation with Alex Morgan is over.");
    await waitFor("Kim free again", async () => (await agentOf(d, "1002"))?.state === "available");
    await waitFor("no channel left", () => s.sim.pbx.listChannels().length === 0);
    await waitFor("Alex in wrap-up", async () => (await agentOf(d, "1001"))?.state !== "oncall");
  }, 60_000);

  test("the first agent hangs up while consulting: the transfer completes", async () => {
    const { s, d, alex, kim, callId } = await onCall();
    await ask(alex, { type: "consult", callId, agent: "1002" });
    await alex.next("line", (m) => (m.line as { consult?: { state: string } }).consult?.state === "talking");
    const alexLeg = legOf(s.sim, "PJSIP/1001");
    s.sim.pbx.hangup(alexLeg);
    expect(lineOf(await kim.next("line", (m) => lineOf(m).callId === callId && lineOf(m).consultFrom === null))).toMatchObject({ state: "talking" });
    await kim.next("pop", (m) => (m.pop as { callId: string }).callId === callId);
    await waitFor("the caller with Kim", () => hears(s.sim, callId) === "PJSIP/1002");
    expect(await agentOf(d, "1002")).toMatchObject({ state: "oncall", callId });
  }, 60_000);
});

describe("consultation: a party leaves before the end", () => {
  test("the consulted agent hangs up: the first agent is back with the caller", async () => {
    const { s, d, alex, kim, callId } = await onCall();
    await ask(alex, { type: "consult", callId, agent: "1002" });
    await alex.next("line", (m) => (m.line as { consult?: { state: string } }).consult?.state === "talking");
    s.sim.pbx.hangup(legOf(s.sim, "PJSIP/1002"));
    expect(await alex.next("recorded", (m) => m.what === "consult")).toMatchObject({ text: "Kim Laurent hung up: you are back with the caller." });
    await consultCardGone(kim, callId, "You hung up: Alex Morgan is back with the caller.");
    await waitFor("the caller back with Alex", () => hears(s.sim, callId) === "PJSIP/1001");
    await waitFor("Kim free again", async () => (await agentOf(d, "1002"))?.state === "available");
  }, 60_000);

  test("the first agent hangs up while the consulted one still rings: the caller goes back to the queue, not lost", async () => {
    const { s, d, alex, kim, sam, callId, pop } = await onCall({ ringTimeout: 300, kim: { noAnswerProbability: 1 } });
    sam.send({ type: "state", id: "p", state: "paused", reason: "Meeting" });
    await sam.next("ok", (m) => m.id === "p");
    await ask(alex, { type: "consult", callId, agent: "1002" });
    await consultCardRinging(kim, callId, pop);
    await waitFor("Kim's phone ringing", () => s.sim.pbx.listChannels().some((c) => c.name.startsWith("PJSIP/1002-")));
    s.sim.pbx.hangup(legOf(s.sim, "PJSIP/1001"));
    expect(await alex.next("recorded", (m) => m.callId === callId)).toMatchObject({ what: "transfer", text: "The caller went back to the queue" });
    await consultCardGone(kim, callId, "Alex Morgan hung up: the caller went back to the queue.");
    await waitFor("Kim's ring cancelled", () => !s.sim.pbx.listChannels().some((c) => c.name.startsWith("PJSIP/1002-")));
    // back in the queue (joined again), on music, with a place: offered to the next agent free
    await waitFor("the caller queued again", async () => (await d.queue.events()).filter((e) => e.type === "joined" && e.callId === callId).length === 2);
    await waitFor("the caller on music", () => hears(s.sim, callId) === "moh");
    expect(await d.queue.position(callId)).not.toBeNull();
  }, 60_000);
});

describe("accept from the desk", () => {
  test("a phone that takes remote answers is answered (PJSIPNotify); one that does not: pick it up", async () => {
    const { s, d } = await desk({ remoteAnswer: true });
    // Alex's phone rings and waits: only the desk answers it
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.5, talkTime: 6000, noAnswerProbability: 1, remoteAnswer: true });
    const alex = await loginAvailable(d, "1001");
    const { channelId } = s.sim.control.placeCall(supportCaller("5551003"));
    await alex.next("ringing", (m) => (m.pop as { callId: string }).callId === channelId);
    expect(await ask(alex, { type: "accept", callId: channelId })).toMatchObject({ type: "ok" });
    await alex.next("pop", (m) => (m.pop as { callId: string }).callId === channelId);
    await waitFor("the caller with Alex", () => hears(s.sim, channelId) === "PJSIP/1001");
    expect(await ask(alex, { type: "accept", callId: channelId })).toMatchObject({ type: "error", message: "this call is not ringing: it is on your line already" });

    s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 0.5, talkTime: 6000, noAnswerProbability: 1 });
    const kim = await loginAvailable(d, "1002");
    const second = s.sim.control.placeCall(supportCaller("5551004")).channelId;
    await kim.next("ringing", (m) => (m.pop as { callId: string }).callId === second);
    expect(await ask(kim, { type: "accept", callId: second })).toMatchObject({ type: "error", message: "Pick up your phone to answer: it is not set up to be answered from the desk." });
  }, 60_000);
});
