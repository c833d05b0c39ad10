/**
 * The agent socket's handshake against two attacks, over real sockets against the real hub and router
 * (as the daemon wires them) on the suite's Redis: a page on the daemon's host and port but another
 * scheme is another origin, and a token signed with the real secret lasts no longer than the
 * configured session (1 h in the desk these tests start).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CLOSE_AUTH } from "../../src/cti/protocol.js";
import { issueSession } from "../../src/cti/session.js";
import { redisPerFile } from "../setup/redis.js";
import { AgentClient, RefusedError, SECRET, startDesk, testAgents, tokenFor, type Desk } from "../cti/helpers.js";

const { env, redis } = redisPerFile();
let d: Desk;
const open: AgentClient[] = [];
beforeAll(async () => {
  d = await startDesk(redis(), env.prefix, await testAgents());
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});
afterAll(async () => {
  await d.close();
});

const refusedStatus = (p: Promise<AgentClient>) =>
  p.then(
    (c) => (open.push(c), "opened"),
    (err: unknown) => (err instanceof RefusedError ? err.status : String(err)),
  );

describe("the origin check compares scheme, host and port", () => {
  test("the daemon's own origin passes, however it is spelled", async () => {
    const own = new URL(d.url);
    expect(await refusedStatus(AgentClient.open(d.url, { origin: d.url, protocolToken: tokenFor("1001") }))).toBe("opened");
    expect(await refusedStatus(AgentClient.open(d.url, { origin: `HTTP://${own.host.toUpperCase()}`, protocolToken: tokenFor("1001") }))).toBe("opened");
  });

  test("the same host and port under https or ws, or on another port, is another origin", async () => {
    const own = new URL(d.url);
    const others = [`https://${own.host}`, `http://${own.hostname}:${Number(own.port) + 1}`, `ws://${own.host}`, `http://${own.hostname}`];
    for (const origin of others) {
      expect(await refusedStatus(AgentClient.open(d.url, { origin, protocolToken: tokenFor("1001") })), origin).toBe(403);
    }
  });
});

describe("a token signed with the real secret", () => {
  const longer = [
    ["issued for 1000 h", issueSession(SECRET, "1001", { hours: 1000 }).token],
    ["issued for 1 h 1 min", issueSession(SECRET, "1001", { hours: 61 / 60 }).token],
    ["issued a week ago for a year", issueSession(SECRET, "1001", { hours: 24 * 365, now: Date.now() - 7 * 86_400_000 }).token],
  ] as const;

  test.each(longer)("%s is refused in the handshake and in the first message", async (_what, token) => {
    expect(await refusedStatus(AgentClient.open(d.url, { protocolToken: token }))).toBe(401);
    const c = await AgentClient.open(d.url);
    open.push(c);
    c.send({ type: "auth", token });
    expect((await c.next("error")).message).toBe("session token refused (longer than a session)");
    expect((await c.closedWith()).code).toBe(CLOSE_AUTH);
  });

  test("lasting exactly the configured session is accepted, and so is the token the login gives", async () => {
    const c = await AgentClient.open(d.url, { protocolToken: issueSession(SECRET, "1001", { hours: 1 }).token });
    open.push(c);
    expect(await c.next("welcome")).toMatchObject({ agent: { id: "1001" } });
    const res = await fetch(`${d.url}/api/agent/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ agentId: "1002", password: "sam-password" }) });
    const { token } = (await res.json()) as { token: string };
    const tab = await AgentClient.open(d.url, { protocolToken: token });
    open.push(tab);
    expect(await tab.next("welcome")).toMatchObject({ agent: { id: "1002" } });
  });
});
