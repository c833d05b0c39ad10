/**
 * Supervisors' logins and sessions over real sockets: the password, the counts in Redis shared with the
 * agents' login, and the role in the signed claims that keeps a supervisor's token off the agent socket
 * and an agent's token off the wallboard.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { verifySession } from "../../src/cti/session.js";
import { AgentClient, RefusedError, startDesk, testAgents, tokenFor, type Desk } from "../cti/helpers.js";
import { redisPerFile } from "../setup/redis.js";
import { SECRET, SseClient, startBoard, supervisorToken, type BoardServer } from "./helpers.js";

const { env, redis } = redisPerFile();
const prefix = env.prefix;
let board: BoardServer;
let desk: Desk;
beforeAll(async () => {
  // a fixed clock for the counts: no test waits its way past a lock
  board = await startBoard(redis(), prefix, { clock: () => 1_800_000_000_000 });
  desk = await startDesk(redis(), prefix, await testAgents());
});
afterAll(async () => {
  await board?.close();
  await desk?.close();
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
  text: string;
}

function post(url: string, path: string, body: unknown, from = "127.0.0.1"): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const data = typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, path, method: "POST", localAddress: from, agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined, body: JSON.parse(text) as Record<string, unknown>, text }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

const login = (body: unknown, from?: string) => post(board.url, "/api/supervisor/login", body, from);

describe("supervisor login", () => {
  test("the right password gives a supervisor's session; the page's name comes back", async () => {
    const a = await login({ supervisorId: "sup-ana", password: "ana-password" }, "127.0.0.2");
    expect(a.status).toBe(200);
    expect(a.body.supervisor).toEqual({ id: "sup-ana", name: "Ana Ruiz" });
    const check = verifySession(SECRET, a.body.token, Date.now(), Number.POSITIVE_INFINITY, "supervisor");
    expect(check).toMatchObject({ ok: true, claims: { sub: "sup-ana", role: "supervisor", exp: a.body.expiresAt } });
    // the same token is no agent's session, whoever checks it
    expect(verifySession(SECRET, a.body.token)).toEqual({ ok: false, reason: "wrong role" });
  });

  test("a wrong password, an unknown id and an agent's own credentials get the same 401", async () => {
    const wrong = await login({ supervisorId: "sup-ben", password: "not-bens" }, "127.0.0.3");
    const unknown = await login({ supervisorId: "sup-nobody", password: "whatever-1" }, "127.0.0.3");
    const agent = await login({ supervisorId: "1001", password: "alex-password" }, "127.0.0.3");
    for (const a of [wrong, unknown, agent]) {
      expect(a.status).toBe(401);
      expect(a.body).toEqual({ error: "unknown supervisor id or wrong password" });
    }
    // and the other way round: a supervisor cannot log in to the agent desktop
    const asAgent = await post(board.url, "/api/agent/login", { agentId: "sup-ana", password: "ana-password" }, "127.0.0.3");
    expect(asAgent.status).toBe(401);
  });

  test("a malformed body is a 400 with a reason, not a stack", async () => {
    const a = await login("{not json", "127.0.0.4");
    expect(a.status).toBe(400);
    expect(a.body).toEqual({ error: "request body must be JSON" });
    const b = await login({ agentId: "sup-ana", password: "ana-password" }, "127.0.0.4");
    expect(b.status).toBe(400);
    expect(b.body.error).toBe("invalid login request");
  });

  test("guesses are counted in Redis like the agents': after three, 429 with Retry-After, even for the right password", async () => {
    const from = "127.0.0.5";
    for (let i = 0; i < 3; i++) expect((await login({ supervisorId: "sup-ben", password: `guess-${i}-x` }, from)).status).toBe(401);
    const refused = await login({ supervisorId: "sup-ben", password: "ben-password" }, from);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: "agent-address", retryAfterSeconds: 60 });
    expect(refused.body.error).toBe("too many failed logins for this supervisor id from your address; try again in 60 s");
    expect(refused.retryAfter).toBe("60");
    // the counts are the shared ones in Redis, per id and address: Ben from another address still gets in
    expect((await login({ supervisorId: "sup-ben", password: "ben-password" }, "127.0.0.6")).status).toBe(200);
    expect(await redis().hget(`${prefix}login:pair:sup-ben:${from}`, "fails")).toBe("3");
  });
});

describe("roles", () => {
  test("a supervisor's token is refused on the agent socket, in the handshake and as the first message", async () => {
    const token = supervisorToken("sup-ana");
    const refused = await AgentClient.open(desk.url, { protocolToken: token }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RefusedError);
    expect((refused as RefusedError).status).toBe(401);

    const c = await AgentClient.open(desk.url);
    c.send({ type: "auth", id: "auth", token });
    expect((await c.closedWith()).code).toBe(4401);
  });

  test("an agent's token is refused on /wallboard/events and /wallboard/snapshot with the reason", async () => {
    for (const path of ["/wallboard/events", "/wallboard/snapshot"]) {
      const c = await SseClient.open(board.url, tokenFor("1001"), path);
      expect(c.status).toBe(401);
      expect(c.headers["www-authenticate"]).toMatch(/^Bearer /);
      expect(JSON.parse(await c.body())).toEqual({ error: "session token refused (not a supervisor's session)" });
    }
  });

  test("no token, a malformed one, a forged one and an expired one: 401 with a reason, never a stack", async () => {
    const cases: Array<[string | null, string]> = [
      [null, "log in first: send the supervisor session token as Authorization: Bearer <token>"],
      ["not a token at all", "session token refused (malformed)"],
      [`${supervisorToken("sup-ana").split(".")[0]}.AAAA`, "session token refused (bad signature)"],
      [supervisorToken("sup-ana", { now: Date.now() - 2 * 3_600_000 }), "session token refused (expired)"],
      [supervisorToken("sup-gone"), "session token refused (unknown supervisor)"],
    ];
    for (const [token, reason] of cases) {
      const c = await SseClient.open(board.url, token);
      expect(c.status).toBe(401);
      expect(c.headers["content-type"]).toMatch(/^application\/json/);
      const text = await c.body();
      expect(JSON.parse(text)).toEqual({ error: reason });
      expect(text).not.toMatch(/\bat \S+:\d+|Error:/);
    }
  });

  test("a supervisor's token opens the JSON snapshot", async () => {
    const c = await SseClient.open(board.url, supervisorToken("sup-ben"), "/wallboard/snapshot");
    expect(c.status).toBe(200);
    expect(JSON.parse(await c.body())).toEqual(board.feed.current);
  });
});

describe("the supervisors section of the config", () => {
  const hash = "scrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=";
  const base = { agents: [{ id: "1001", name: "Alex", endpoint: "PJSIP/1001", queues: ["support"] }], queues: { support: { lanes: ["standard"] } }, lanes: { standard: { displayName: "Standard", sla: { seconds: 60, percent: 80 } } } };
  const issues = (supervisors: unknown) => {
    const r = configSchema.safeParse({ ...base, supervisors });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  test("accepts supervisors with hashes; refuses duplicates, an agent's id and a hash that is not one", () => {
    expect(issues([{ id: "sup-1", name: "Ana", passwordHash: hash }])).toEqual([]);
    expect(issues([{ id: "sup-1", name: "Ana", passwordHash: hash }, { id: "sup-1", name: "Ben", passwordHash: hash }])).toEqual(['supervisors.1.id: duplicate supervisor id "sup-1"']);
    expect(issues([{ id: "1001", name: "Ana", passwordHash: hash }])).toEqual(['supervisors.0.id: "1001" is already an agent\'s id: supervisors and agents need ids of their own']);
    expect(issues([{ id: "sup-1", name: "Ana", passwordHash: "hunter2" }])[0]).toMatch(/^supervisors\.0\.passwordHash: must be a hash printed by `switchboard agent-password`/);
  });
});
