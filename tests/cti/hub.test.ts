import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { AgentsConfig } from "../../src/cti/config.js";
import { CLOSE_AUTH } from "../../src/cti/protocol.js";
import { issueSession } from "../../src/cti/session.js";
import { testRedis } from "../setup/redis.js";
import { AgentClient, RefusedError, samplePop, startDesk, testAgents, tokenFor, type Desk } from "./helpers.js";

let redis: Redis;
let agents: AgentsConfig;
const open: Array<{ close(): Promise<void> }> = [];
const track = <T extends { close(): Promise<void> }>(x: T): T => (open.push(x), x);

beforeAll(async () => {
  redis = testRedis().client();
  agents = await testAgents();
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});
afterAll(async () => {
  await redis.quit();
});

async function desk(prefix = testRedis().prefix, opts: { allowedOrigins?: string[] } = {}): Promise<Desk> {
  return track(await startDesk(redis, prefix, agents, opts));
}

const refusedStatus = (p: Promise<unknown>) =>
  p.then(
    () => "opened",
    (err: unknown) => (err instanceof RefusedError ? err.status : String(err)),
  );

describe("agent WebSocket hub", () => {
  test("an agent logs in with the first message and a state change reaches onAgentState and every tab", async () => {
    const d = await desk();
    const tab1 = track(await AgentClient.login(d.url, "1001"));
    const tab2 = track(await AgentClient.login(d.url, "1001"));
    expect(d.hub.connected()).toEqual(["1001"]);

    tab1.send({ type: "state", id: "s1", state: "paused", reason: "Lunch" });
    expect(await tab1.next("ok")).toEqual({ type: "ok", id: "s1", for: "state" });
    expect(d.recorded.states).toEqual([["1001", { to: "paused", reason: "Lunch" }]]);
    expect(await tab2.next("status")).toEqual({ type: "status", state: "paused", reason: "Lunch", allowed: ["available", "paused", "offline"] });

    tab1.send({ type: "state", id: "s2", state: "available" });
    await tab1.next("ok");
    expect(d.recorded.states.at(-1)).toEqual(["1001", { to: "available" }]);
    // a later connection starts from the last known state
    const tab3 = track(await AgentClient.open(d.url));
    tab3.send({ type: "auth", token: tokenFor("1001") });
    expect(await tab3.next("welcome")).toMatchObject({ agent: { id: "1001", name: "Alex Morgan" }, status: { state: "available" } });
  });

  test("the token can ride in Sec-WebSocket-Protocol instead of the first message", async () => {
    const d = await desk();
    const c = track(await AgentClient.open(d.url, { protocolToken: tokenFor("1002") }));
    expect(await c.next("welcome")).toMatchObject({ agent: { id: "1002" } });
    expect(c.ws.protocol).toBe("switchboard.agent.v1");
  });

  test("a pop reaches every tab, is acknowledged, and comes back after a reconnect until the disposition", async () => {
    const d = await desk();
    const tab1 = track(await AgentClient.login(d.url, "1001"));
    const tab2 = track(await AgentClient.login(d.url, "1001"));
    const other = track(await AgentClient.login(d.url, "1002"));

    await d.hub.pushPop("1001", samplePop("call-1"));
    expect((await tab1.next("pop")).pop).toEqual(samplePop("call-1"));
    expect((await tab2.next("pop")).pop).toMatchObject({ callId: "call-1" });
    tab1.send({ type: "ack", id: "a", callId: "call-1" });
    await tab1.next("ok");
    expect(d.recorded.acks).toEqual([["1001", "call-1"]]);

    await tab1.close();
    await tab2.close();
    const again = track(await AgentClient.open(d.url));
    again.send({ type: "auth", token: tokenFor("1001") });
    await again.next("welcome");
    expect((await again.next("pop")).pop).toMatchObject({ callId: "call-1", offers: [{ id: "upgrade-outdated-version" }, { id: "warranty-extension" }] });

    again.send({ type: "disposition", id: "d", callId: "call-1", disposition: "resolved", notes: "upgraded" });
    await again.next("ok", (m) => m.id === "d");
    expect(d.recorded.dispositions).toEqual([["1001", { callId: "call-1", disposition: "resolved", notes: "upgraded" }]]);
    expect(await again.next("popCleared")).toEqual({ type: "popCleared", callId: "call-1" });

    const later = track(await AgentClient.login(d.url, "1001"));
    await d.hub.pushPop("1001", samplePop("call-2"));
    // the first pop after the welcome is the new call: the disposed one is off the desk
    expect((await later.next("pop")).pop).toMatchObject({ callId: "call-2" });
    expect(other.messages.filter((m) => m.type === "pop")).toEqual([]);
  });

  test("two hubs on one Redis: a pop pushed on hub A reaches the agent connected to hub B", async () => {
    const prefix = testRedis().prefix;
    const a = await desk(prefix);
    const b = await desk(prefix);
    const onB = track(await AgentClient.login(b.url, "1002"));
    expect(a.hub.connected()).toEqual([]);

    await a.hub.pushPop("1002", samplePop("call-x"));
    expect((await onB.next("pop")).pop).toMatchObject({ callId: "call-x" });
    await a.hub.sendState("1002", { state: "paused", reason: "missed a call" });
    expect(await onB.next("status")).toEqual({ type: "status", state: "paused", reason: "missed a call", allowed: ["available", "paused", "offline"] });

    // the outcome goes to the hooks of the hub holding the socket
    onB.send({ type: "outcome", id: "o", callId: "call-x", offerId: "upgrade-outdated-version", outcome: "sold", amount: 49 });
    await onB.next("ok");
    expect(b.recorded.outcomes).toEqual([["1002", { callId: "call-x", offerId: "upgrade-outdated-version", outcome: "sold", amount: 49 }]]);
    expect(a.recorded.outcomes).toEqual([]);
  });

  test("an outcome or disposition for a call that is not the agent's is refused", async () => {
    const d = await desk();
    await d.hub.pushPop("1001", samplePop("call-a"));
    const sam = track(await AgentClient.login(d.url, "1002"));
    sam.send({ type: "outcome", id: "o1", callId: "call-a", offerId: "upgrade-outdated-version", outcome: "sold", amount: 49 });
    expect(await sam.next("error")).toEqual({ type: "error", id: "o1", message: "call call-a is not on your desk" });
    sam.send({ type: "disposition", id: "d1", callId: "call-a", disposition: "resolved" });
    expect(await sam.next("error")).toMatchObject({ id: "d1", message: "call call-a is not on your desk" });

    const alex = track(await AgentClient.login(d.url, "1001"));
    await alex.next("pop");
    alex.send({ type: "outcome", id: "o2", callId: "call-a", offerId: "made-up", outcome: "interested" });
    expect(await alex.next("error")).toMatchObject({ id: "o2", message: "offer made-up was not made on call call-a" });
    expect(d.recorded.outcomes).toEqual([]);
    expect(d.recorded.dispositions).toEqual([]);
  });

  test("malformed messages get an error and the socket stays usable", async () => {
    const d = await desk();
    const c = track(await AgentClient.login(d.url, "1001"));
    c.send("this is not json");
    expect(await c.next("error")).toEqual({ type: "error", message: "a message must be a JSON object" });
    c.send({ type: "state", id: "p", state: "paused" });
    expect((await c.next("error")).message).toMatch(/a pause needs a reason/);
    c.send({ type: "outcome", id: "q", callId: "c1", offerId: "x", outcome: "declined", amount: 3 });
    expect((await c.next("error")).message).toMatch(/amount goes with outcome sold only/);
    c.send({ type: "launch-missiles" });
    expect((await c.next("error")).message).toMatch(/^invalid message/);
    c.send({ type: "state", id: "ok", state: "offline" });
    expect(await c.next("ok")).toEqual({ type: "ok", id: "ok", for: "state" });
    expect(c.closed).toBeNull();
    expect(d.recorded.states).toEqual([["1001", { to: "offline" }]]);
  });

  test("unauthenticated, forged, expired and cross-origin connections are refused", async () => {
    const d = await desk(undefined, { allowedOrigins: ["https://desk.example.com"] });

    // no token: anything but auth closes the socket and nothing reaches the hooks
    const anon = track(await AgentClient.open(d.url));
    anon.send({ type: "state", state: "available" });
    expect((await anon.next("error")).message).toMatch(/authenticate first/);
    expect((await anon.closedWith()).code).toBe(CLOSE_AUTH);

    // a token signed with another secret, a tampered one and an expired one
    const forged = issueSession("another-secret-another-secret-0000", "1001", { hours: 1 }).token;
    const [body, mac] = tokenFor("1002").split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const tampered = `${Buffer.from(JSON.stringify({ ...claims, sub: "1001" })).toString("base64url")}.${mac}`;
    const expired = issueSession("test-session-secret-0123456789-abcdef", "1001", { hours: 1, now: Date.now() - 2 * 3_600_000 }).token;
    for (const token of [forged, tampered, expired]) {
      expect(await refusedStatus(AgentClient.open(d.url, { protocolToken: token }))).toBe(401);
      const c = track(await AgentClient.open(d.url));
      c.send({ type: "auth", token });
      expect((await c.next("error")).message).toMatch(/session token refused/);
      expect((await c.closedWith()).code).toBe(CLOSE_AUTH);
    }
    // an agent without a password (no desktop access) cannot use a validly signed token either
    expect(await refusedStatus(AgentClient.open(d.url, { protocolToken: tokenFor("1003") }))).toBe(401);

    // origins: another site is refused before the upgrade; the configured one and the daemon's own pass
    expect(await refusedStatus(AgentClient.open(d.url, { origin: "https://evil.example.net", protocolToken: tokenFor("1001") }))).toBe(403);
    expect(await refusedStatus(AgentClient.open(d.url, { origin: "null" }))).toBe(403);
    const allowed = track(await AgentClient.open(d.url, { origin: "https://desk.example.com", protocolToken: tokenFor("1001") }));
    await allowed.next("welcome");
    expect(d.hub.connected()).toEqual(["1001"]);
    expect(d.recorded.states).toEqual([]);
  });

  test("close() closes agent sockets with 1001 so pages reconnect elsewhere", async () => {
    const d = await startDesk(redis, testRedis().prefix, agents);
    const c = await AgentClient.login(d.url, "1001");
    await d.close();
    expect((await c.closedWith()).code).toBe(1001);
  });
});
