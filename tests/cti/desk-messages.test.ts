/**
 * The hub's new desk messages over a real socket and Redis: the soft-phone's controls reach the daemon's
 * hook and the line they change reaches every tab (also after a reconnect); what an agent records is told
 * to every tab; wrap-up codes are the configured ones; states come with the moves the queue allows.
 */
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { AgentsConfig } from "../../src/cti/config.js";
import { deskMoves, type DeskMenu } from "../../src/cti/protocol.js";
import { testRedis } from "../setup/redis.js";
import { AgentClient, samplePop, startDesk, testAgents, tokenFor, type Desk } from "./helpers.js";

let redis: Redis;
let agents: AgentsConfig;
const open: Array<{ close(): Promise<void> }> = [];
const track = <T extends { close(): Promise<void> }>(x: T): T => (open.push(x), x);
const MENU: DeskMenu = {
  wrapUpCodes: [
    { code: "resolved", label: "Resolved" },
    { code: "sale", label: "Sold something" },
  ],
  transferQueues: [{ id: "billing", name: "Billing" }],
  agents: [
    { id: "1001", name: "Alex Morgan" },
    { id: "1002", name: "Kim Laurent" },
  ],
};

beforeAll(async () => {
  redis = testRedis().client();
  agents = await testAgents();
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});
afterAll(async () => redis.quit());

async function desk(phone = true): Promise<Desk> {
  return track(await startDesk(redis, testRedis().prefix, agents, { menu: MENU, ...(phone ? { phone: (a) => (a === "hold" ? { held: true } : a === "mute" ? { muted: true } : {}) } : {}) }));
}

describe("desk messages", () => {
  test("the welcome brings the menu; a line set by the desk and a hold by the agent reach every tab, and a reconnecting tab", async () => {
    const d = await desk();
    const tab1 = track(await AgentClient.login(d.url, "1001"));
    const tab2 = track(await AgentClient.login(d.url, "1001"));
    await d.hub.patchLine("1001", "call-1", { state: "ringing", held: false, muted: false, ringingAt: 1000 });
    await d.hub.pushPop("1001", samplePop("call-1"), { ringing: true });
    expect((await tab2.next("line")).line).toEqual({ callId: "call-1", state: "ringing", held: false, muted: false, ringingAt: 1000 });
    // while the phone rings the card is shown as `ringing` (clients that only know `pop` wait for the answer)
    expect(((await tab2.next("ringing")).pop as { callId: string }).callId).toBe("call-1");
    const late = track(await AgentClient.login(d.url, "1001"));
    expect(((await late.next("ringing")).pop as { callId: string }).callId).toBe("call-1");
    expect(late.messages.some((m) => m.type === "pop")).toBe(false);
    tab1.send({ type: "outcome", id: "early", callId: "call-1", offerId: "upgrade-outdated-version", outcome: "interested" });
    expect(await tab1.next("error", (m) => m.id === "early")).toMatchObject({ message: "the call has not been answered yet: this can be recorded once you are on the line" });
    expect(d.recorded.outcomes).toEqual([]);
    await d.hub.patchLine("1001", "call-1", { state: "talking", answeredAt: 2000 });
    await d.hub.pushPop("1001", samplePop("call-1"));
    await tab2.next("pop");

    tab1.send({ type: "phone", id: "h", callId: "call-1", action: "hold" });
    expect(await tab1.next("ok", (m) => m.id === "h")).toEqual({ type: "ok", id: "h", for: "phone" });
    expect(d.recorded.phone).toEqual([["1001", "call-1", "hold"]]);
    expect((await tab2.next("line", (m) => (m.line as { held: boolean }).held)).line).toEqual({ callId: "call-1", state: "talking", held: true, muted: false, ringingAt: 1000, answeredAt: 2000 });

    const again = track(await AgentClient.login(d.url, "1001"));
    expect(((await again.next("pop")).pop as { callId: string }).callId).toBe("call-1");
    expect((await again.next("line")).line).toMatchObject({ callId: "call-1", state: "talking", held: true });
    const fresh = track(await AgentClient.open(d.url));
    fresh.send({ type: "auth", token: tokenFor("1001") });
    expect((await fresh.next("welcome")).desk).toEqual(MENU);

    // a line the desk ends after its pop went is not made again
    await d.hub.clearPop("1001", "call-1");
    expect(await d.hub.patchLine("1001", "call-1", { state: "ended" }, false)).toBeNull();
    expect(await d.hub.lines("1001")).toEqual([]);
  });

  test("outcomes and dispositions are told to every tab; only configured wrap-up codes; transfers only to the menu's queues", async () => {
    const d = await desk();
    const tab1 = track(await AgentClient.login(d.url, "1001"));
    const tab2 = track(await AgentClient.login(d.url, "1001"));
    await d.hub.pushPop("1001", samplePop("call-2"));
    await tab2.next("pop");

    tab1.send({ type: "outcome", id: "o", callId: "call-2", offerId: "upgrade-outdated-version", outcome: "sold", amount: 45 });
    expect(await tab2.next("recorded")).toEqual({ type: "recorded", callId: "call-2", what: "outcome", offerId: "upgrade-outdated-version", outcome: "sold", text: "Recorded: sold for 45.00 EUR" });

    tab1.send({ type: "disposition", id: "bad", callId: "call-2", disposition: "follow-up" });
    expect(await tab1.next("error", (m) => m.id === "bad")).toMatchObject({ message: '"follow-up" is not one of the wrap-up codes' });
    tab1.send({ type: "transfer", id: "t0", callId: "call-2", queue: "retention" });
    expect(await tab1.next("error", (m) => m.id === "t0")).toMatchObject({ message: 'calls cannot be transferred to "retention" from the desktop' });

    tab1.send({ type: "disposition", id: "d", callId: "call-2", disposition: "sale" });
    expect(await tab2.next("recorded")).toEqual({ type: "recorded", callId: "call-2", what: "disposition", text: 'Saved "Sold something" for the call from Carla Diaz' });
    expect(await tab2.next("popCleared")).toEqual({ type: "popCleared", callId: "call-2" });

    await d.hub.pushPop("1001", samplePop("call-3"));
    tab1.send({ type: "transfer", id: "t", callId: "call-3", queue: "billing" });
    expect(await tab2.next("recorded", (m) => m.callId === "call-3")).toMatchObject({ what: "transfer", text: "Transferred to billing" });
    expect(await tab2.next("popCleared", (m) => m.callId === "call-3")).toBeTruthy();
    expect(d.recorded.transfers).toEqual([["1001", "call-3", "billing"]]);

    // phone controls for a call not on the desk, or on a server without a soft-phone, are refused
    tab1.send({ type: "phone", id: "p", callId: "call-9", action: "mute" });
    expect(await tab1.next("error", (m) => m.id === "p")).toMatchObject({ message: "call call-9 is not on your desk" });
    const plain = await desk(false);
    const alone = track(await AgentClient.login(plain.url, "1002"));
    await plain.hub.pushPop("1002", samplePop("call-4"));
    alone.send({ type: "phone", id: "q", callId: "call-4", action: "hold" });
    expect(await alone.next("error", (m) => m.id === "q")).toMatchObject({ message: "the soft-phone is not available on this server" });
  });

  test("a state comes with the moves the desktop may offer", async () => {
    expect(deskMoves("oncall")).toEqual([]);
    expect(deskMoves("ringing")).toEqual([]);
    expect(deskMoves("wrapup")).toEqual(["available", "paused", "offline"]);
    expect(deskMoves("offline")).toEqual(["available", "paused"]);
    const d = await desk();
    const tab = track(await AgentClient.login(d.url, "1001"));
    await d.hub.sendState("1001", { state: "oncall" });
    expect(await tab.next("status")).toEqual({ type: "status", state: "oncall", allowed: [] });
  });
  test("transfers and consultations name a queue or an agent of the menu, never themselves; accept only a ringing call", async () => {
    const d = await desk();
    const tab = track(await AgentClient.login(d.url, "1001"));
    await d.hub.pushPop("1001", samplePop("call-5"));
    const answer = async (msg: Record<string, unknown>) => {
      tab.send(msg);
      return Promise.race([tab.next("ok", (m) => m.id === msg.id), tab.next("error", (m) => m.id === msg.id)]);
    };
    expect(await answer({ type: "transfer", id: "both", callId: "call-5", queue: "billing", agent: "1002" })).toMatchObject({ type: "error", message: expect.stringContaining("name a queue or an agent, one of them") });
    expect(await answer({ type: "transfer", id: "self", callId: "call-5", agent: "1001" })).toMatchObject({ type: "error", message: 'calls cannot be transferred to "1001" from the desktop' });
    expect(await answer({ type: "transfer", id: "nobody", callId: "call-5", agent: "9999" })).toMatchObject({ type: "error", message: 'calls cannot be transferred to "9999" from the desktop' });
    // a server without consultations says so
    expect(await answer({ type: "consult", id: "c", callId: "call-5", agent: "1002" })).toMatchObject({ type: "error", message: '"1002" cannot be consulted from the desktop' });
    expect(await answer({ type: "accept", id: "a", callId: "call-5" })).toMatchObject({ type: "error", message: "this call is not ringing: it is on your line already" });
    expect(await answer({ type: "transfer", id: "t", callId: "call-5", agent: "1002" })).toMatchObject({ type: "ok" });
    expect(await tab.next("recorded", (m) => m.callId === "call-5")).toMatchObject({ what: "transfer", text: "Transferred to agent:1002" });
    expect(d.recorded.transfers).toEqual([["1001", "call-5", "agent:1002"]]);
    await d.hub.patchLine("1001", "call-6", { state: "ringing", held: false, muted: false, ringingAt: 1000 });
    await d.hub.pushPop("1001", samplePop("call-6"), { ringing: true });
    expect(await answer({ type: "accept", id: "a2", callId: "call-6" })).toMatchObject({ type: "error", message: "calls cannot be answered from the desktop on this server: pick up your phone" });
  });
});
