/**
 * Password guessing against POST /api/agent/login, over real sockets against the daemon's real HTTP app
 * (serveHttp with the agent router) on the suite's Redis. Clients come from different loopback
 * addresses (127.0.0.0/8 is all loopback on Linux), so per-address counts are exercised for real. The
 * counts run on a fixed test clock, so no test depends on how fast the machine is.
 */
import http from "node:http";
import { pino } from "pino";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import type { AgentsConfig } from "../../src/cti/config.js";
import { addressKey } from "../../src/cti/client-address.js";
import { HashGate } from "../../src/cti/hash-gate.js";
import { loginConfigSchema } from "../../src/cti/login-config.js";
import { parsePasswordHash, verifyPassword } from "../../src/cti/password.js";
import { agentRouter } from "../../src/cti/router.js";
import { serveHttp, type HttpServer } from "../../src/daemon/http.js";
import { redisPerFile, testRedis } from "../setup/redis.js";
import { SECRET, testAgents } from "../cti/helpers.js";

const { redis } = redisPerFile();
let agents: AgentsConfig;
const servers: HttpServer[] = [];
beforeAll(async () => {
  agents = await testAgents();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

const silent = pino({ level: "silent" });
const ALEX = { agentId: "1001", password: "alex-password" };

interface Daemon {
  url: string;
  /** Every password check: which password, against a hash of which cost. */
  checks: Array<{ password: string; cost: string }>;
}

/** One daemon's HTTP app with the agent router; daemons started with the same prefix share the counts. */
async function daemon(prefix: string, opts: { policy?: Record<string, unknown>; clock?: () => number; trustProxy?: string[]; gate?: HashGate; hold?: Hold } = {}): Promise<Daemon> {
  const checks: Daemon["checks"] = [];
  const verify = async (password: string, stored: string) => {
    const p = parsePasswordHash(stored)!;
    checks.push({ password, cost: `${p.N}/${p.r}/${p.p}` });
    await opts.hold?.wait();
    return verifyPassword(password, stored);
  };
  const routes = agentRouter({
    agents,
    sessionSecret: SECRET,
    sessionHours: 1,
    logger: silent,
    redis: redis(),
    keyPrefix: prefix,
    policy: loginConfigSchema.parse(opts.policy ?? {}),
    clock: opts.clock ?? (() => 1_800_000_000_000),
    verify,
    ...(opts.gate ? { hashGate: opts.gate } : {}),
  });
  const server = await serveHttp({ config: { host: "127.0.0.1", port: 0, adminToken: { env: "UNSET" }, trustProxy: opts.trustProxy ?? [] }, checks: [], routes: [routes], sockets: undefined, log: silent });
  servers.push(server);
  return { url: server.url, checks };
}

interface Answer {
  status: number;
  retryAfter: number | undefined;
  body: { error?: string; reason?: string; retryAfterSeconds?: number; token?: string };
}

/** POST /api/agent/login on a fresh connection from the loopback address `from`. */
function login(d: Daemon, from: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const { hostname, port } = new URL(d.url);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path: "/api/agent/login", method: "POST", localAddress: from, agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data), ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          const retry = res.headers["retry-after"];
          resolve({ status: res.statusCode ?? 0, retryAfter: retry === undefined ? undefined : Number(retry), body: JSON.parse(text) as Answer["body"] });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

/** Every refusal says why and when to come back. */
function expectRefusals(answers: Answer[], reasons: string[]): void {
  for (const a of answers.filter((x) => x.status === 429)) {
    expect(reasons).toContain(a.body.reason);
    expect(a.retryAfter).toBeGreaterThanOrEqual(1);
    expect(a.body.retryAfterSeconds).toBe(a.retryAfter);
    expect(a.body.error).toMatch(/; try again in \d+ s$/);
  }
}

/** Once holding, holds every password check until released, one at a time or all. */
class Hold {
  private held = false;
  private readonly waiters: Array<() => void> = [];
  hold(): void {
    this.held = true;
  }
  wait(): Promise<void> {
    return this.held ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }
  releaseOne(): void {
    this.waiters.shift()?.();
  }
  releaseAll(): void {
    this.held = false;
    for (const w of this.waiters.splice(0)) w();
  }
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 2000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("parallel guesses", () => {
  test("200 at once for one agent from one address: only the first 3 are checked, every other is refused before its hash", async () => {
    // room in the gate for all of them: only the counts in Redis can hold them back
    const d = await daemon(testRedis().prefix, { policy: { agentAddress: { free: 3, delay: 60, maxDelay: 3600 }, hashing: { concurrent: 2, queued: 500 } } });
    const guesses = Array.from({ length: 200 }, (_, i) => login(d, "127.0.0.2", { agentId: "1002", password: `guess-${i}` }));
    const answers = await Promise.all(guesses);
    expect(count(answers, 401)).toBe(3);
    expect(count(answers, 429)).toBe(197);
    expectRefusals(answers, ["agent-address"]);
    expect(d.checks).toHaveLength(3);
    // the right password from there waits its turn like any guess
    const right = await login(d, "127.0.0.2", { agentId: "1002", password: "sam-password" });
    expect(right).toMatchObject({ status: 429, retryAfter: 60, body: { reason: "agent-address" } });
    expect(d.checks).toHaveLength(3);
  });

  test("two daemons on one Redis share the counts: guesses spread over both get no more tries", async () => {
    const prefix = testRedis().prefix;
    const policy = { agentAddress: { free: 3, delay: 60, maxDelay: 3600 }, hashing: { concurrent: 2, queued: 500 } };
    const [a, b] = [await daemon(prefix, { policy }), await daemon(prefix, { policy })];
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => login(i % 2 ? a : b, "127.0.0.3", { agentId: "1001", password: `guess-${i}` })));
    expect(count(answers, 401)).toBe(3);
    expect(a.checks.length + b.checks.length).toBe(3);
    expect((await login(a, "127.0.0.3", ALEX)).body.reason).toBe("agent-address");
    expect((await login(b, "127.0.0.3", ALEX)).body.reason).toBe("agent-address");
  });
});

describe("unknown agent ids", () => {
  test("are hashed against a dummy of the agents' own cost, counted and locked exactly like a real id", async () => {
    const d = await daemon(testRedis().prefix, { policy: { agentAddress: { free: 3, delay: 60, maxDelay: 3600 } } });
    const series = async (from: string, agentId: string) => {
      const answers: Answer[] = [];
      for (let i = 0; i < 4; i++) answers.push(await login(d, from, { agentId, password: `guess-${i}` }));
      return answers;
    };
    const real = await series("127.0.0.4", "1002");
    const ghost = await series("127.0.0.5", "no-such-agent");
    const noDesk = await series("127.0.0.6", "1003"); // an agent without a password hash
    expect(real.map((a) => a.status)).toEqual([401, 401, 401, 429]);
    // the same answers, word for word, whether the id exists or not
    expect(ghost).toEqual(real);
    expect(noDesk).toEqual(real);
    // and the same work: one check per admitted attempt, against a hash of the configured agents' cost
    expect(d.checks).toHaveLength(9);
    expect(new Set(d.checks.map((c) => c.cost))).toEqual(new Set([`${parsePasswordHash(agents[0]!.passwordHash!)!.N}/8/1`]));
  });

  test("400 at once from one address are held to the address's count; an agent elsewhere logs in meanwhile", async () => {
    const d = await daemon(testRedis().prefix, { policy: { addressFailures: 20, hashing: { concurrent: 2, queued: 16 } } });
    // the agent's usual address: known to the daemon from an earlier login
    expect((await login(d, "127.0.0.8", ALEX)).status).toBe(200);
    const flood = Array.from({ length: 400 }, (_, i) => login(d, "127.0.0.7", { agentId: `ghost-${i}`, password: "x" }));
    const agent = await login(d, "127.0.0.8", ALEX);
    const answers = await Promise.all(flood);
    expect(agent.status).toBe(200);
    expect(count(answers, 401) + count(answers, 429)).toBe(400);
    expect(count(answers, 401)).toBeLessThanOrEqual(20);
    expectRefusals(answers, ["address", "busy"]);
    // the address gets no more than its 20, whichever way the flood was split between refusals
    let next: Answer | undefined;
    for (let i = 0; i <= 20 && next?.status !== 429; i++) next = await login(d, "127.0.0.7", { agentId: `late-${i}`, password: "x" });
    expect(next).toMatchObject({ status: 429, body: { reason: "address" } });
    expect((await login(d, "127.0.0.7", ALEX)).body.reason).toBe("address");
    expect((await login(d, "127.0.0.8", ALEX)).status).toBe(200);
  });
});

describe("an attacker elsewhere cannot lock a real agent out", () => {
  test("guesses from 8 addresses lock those addresses; the agent's usual address logs in, a new one waits at most the gentle cap", async () => {
    let now = 1_800_000_000_000;
    const d = await daemon(testRedis().prefix, {
      clock: () => now,
      policy: { agentAddress: { free: 3, delay: 60, maxDelay: 3600 }, agent: { free: 10, delay: 1, maxDelay: 60 } },
    });
    expect((await login(d, "127.0.0.9", ALEX)).status).toBe(200); // the agent's desk, before the attack
    const attackers = Array.from({ length: 8 }, (_, i) => `127.0.1.${i + 1}`);
    // the attacker goes round its addresses, waiting out the agent-wide delay whenever it is told to,
    // until every one of its addresses is locked for the agent (sequential, on the test clock: the same
    // story on every run)
    const locked = new Set<string>();
    let failures = 0;
    for (let round = 0; locked.size < attackers.length && round < 500; round++) {
      const from = attackers[round % attackers.length]!;
      const a = await login(d, from, { agentId: "1001", password: `guess-${round}` });
      if (a.status === 401) failures += 1;
      else if (a.body.reason === "agent-address") locked.add(from);
      else if (a.body.reason === "agent") now += a.retryAfter! * 1000;
    }
    expect(locked.size).toBe(8);
    // enough failures that the agent-wide delay has reached its cap (10 free, then 1 s doubling to 60)
    expect(failures).toBeGreaterThanOrEqual(16);
    // each attacker address stays locked for the agent, even with the right password
    for (const from of attackers) expect(await login(d, from, ALEX)).toMatchObject({ status: 429, body: { reason: expect.stringMatching(/^agent/) } });
    // the agent's usual address is not held back at all
    expect((await login(d, "127.0.0.9", ALEX)).status).toBe(200);
    // a new address waits the agent-wide backoff, capped at a minute, and then gets in
    const fresh = await login(d, "127.0.0.10", ALEX);
    expect(fresh).toMatchObject({ status: 429, body: { reason: "agent" } });
    expect(fresh.retryAfter).toBeLessThanOrEqual(60);
    now += fresh.retryAfter! * 1000;
    expect((await login(d, "127.0.0.10", ALEX)).status).toBe(200);
  });

  test("an attacker's own series backs off exponentially", async () => {
    let now = 1_800_000_000_000;
    const d = await daemon(testRedis().prefix, { clock: () => now, policy: { agentAddress: { free: 3, delay: 60, maxDelay: 3600 } } });
    const waits: number[] = [];
    for (let round = 0; round < 5; round++) {
      let refused: Answer | undefined;
      while (!refused) {
        const a = await login(d, "127.0.0.11", { agentId: "1002", password: `guess-${now}` });
        if (a.status === 429) refused = a;
      }
      waits.push(refused.retryAfter!);
      now += refused.retryAfter! * 1000;
    }
    expect(waits).toEqual([60, 120, 240, 480, 960]);
  });

  test("one address gets so many failures over every id, then nothing more: the right password of another agent too", async () => {
    const d = await daemon(testRedis().prefix, { policy: { addressFailures: 10 } });
    for (let i = 0; i < 10; i++) expect((await login(d, "127.0.0.12", { agentId: `id-${i}`, password: "x" })).status).toBe(401);
    expect(await login(d, "127.0.0.12", ALEX)).toMatchObject({ status: 429, retryAfter: 900, body: { reason: "address" } });
    expect((await login(d, "127.0.0.13", ALEX)).status).toBe(200);
  });
});

describe("bounded hashing", () => {
  test("past the hashing places a login is refused at once with 429 busy; the agent's known address keeps a place and goes first", async () => {
    const hold = new Hold();
    const gate = new HashGate(1, 2); // one hash at a time, two waiting
    const d = await daemon(testRedis().prefix, { gate, hold });
    expect((await login(d, "127.0.0.14", ALEX)).status).toBe(200); // .14 becomes the agent's known address
    hold.hold();
    const waiting = ["127.0.0.15", "127.0.0.16", "127.0.0.17"].map((from, i) => login(d, from, { agentId: `ghost-${i}`, password: "x" }));
    await until("one login hashing and two waiting", () => gate.load().hashing === 1 && gate.load().waiting === 2);
    const checked = d.checks.length;
    // while those hashes are held, more logins are answered at once, without a hash
    const probes = await Promise.all(["127.0.0.18", "127.0.0.19", "127.0.0.20"].map((from) => login(d, from, { agentId: "1002", password: "sam-password" })));
    for (const p of probes) expect(p).toMatchObject({ status: 429, retryAfter: 1, body: { reason: "busy" } });
    expect(d.checks).toHaveLength(checked);
    // the agent at their usual desk takes a place kept for known addresses, and is checked next
    const agent = login(d, "127.0.0.14", ALEX);
    await until("the agent waiting too", () => gate.load().waiting === 3);
    hold.releaseOne();
    await until("the next check", () => d.checks.length === checked + 1);
    expect(d.checks.at(-1)!.password).toBe(ALEX.password);
    hold.releaseAll();
    expect((await agent).status).toBe(200);
    expect((await Promise.all(waiting)).map((a) => a.status)).toEqual([401, 401, 401]);
  });
});

describe("client addresses", () => {
  test("IPv4 as is (also IPv4-mapped), IPv6 by its /64", () => {
    expect(addressKey("192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2::1")).toBe(addressKey("2001:db8:1:2:ffff::9"));
    expect(addressKey("2001:db8:1:3::1")).not.toBe(addressKey("2001:db8:1:2::1"));
  });

  test("X-Forwarded-For counts only from a trusted proxy", async () => {
    const d = await daemon(testRedis().prefix, { trustProxy: ["127.0.0.40"], policy: { agentAddress: { free: 3, delay: 60, maxDelay: 3600 } } });
    const via = (client: string) => ({ "x-forwarded-for": client });
    for (let i = 0; i < 3; i++) await login(d, "127.0.0.40", { agentId: "1002", password: "x" }, via("203.0.113.7"));
    expect((await login(d, "127.0.0.40", { agentId: "1002", password: "x" }, via("203.0.113.7"))).body.reason).toBe("agent-address");
    // another client behind the same proxy is another address
    expect((await login(d, "127.0.0.40", { agentId: "1002", password: "sam-password" }, via("203.0.113.8"))).status).toBe(200);
    // a client that is not a trusted proxy cannot choose its address with the header
    expect((await login(d, "127.0.0.41", { agentId: "1002", password: "sam-password" }, via("203.0.113.7"))).status).toBe(200);
  });
});
