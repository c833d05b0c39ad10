import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CircuitOpenError } from "../../src/crm/circuit-breaker.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { HttpCustomerStore, type HttpStoreOptions } from "../../src/crm/http-store.js";
import { CrmLookup } from "../../src/crm/lookup.js";
import { freePort } from "../../src/lib/net.js";

const NOW = new Date("2026-11-22T09:00:00Z");
const demo = loadCustomersFile("config/customers.yaml", NOW);
const carla = demo.find((c) => c.id === "c-1003")!;
const TOKEN = "s3cret-token-value";

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

/** A real CRM stand-in on loopback: each test sets how it answers. */
let server: Server;
let base: string;
let seen: Seen[] = [];
let answer: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const hung = new Set<ServerResponse>();

beforeAll(async () => {
  const port = await freePort();
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const res of hung) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const json = (status: number, value: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
};

/** Log lines the store writes, to prove the token never appears in them. */
const logs: string[] = [];
const logger = pino({ level: "debug" }, new Writable({ write: (chunk: Buffer, _e, cb) => (logs.push(chunk.toString()), cb()) }));

let clock = NOW.getTime();
const store = (over: Partial<HttpStoreOptions> = {}) =>
  new HttpCustomerStore({ baseUrl: `${base}/api/`, timeoutMs: 2000, cacheSeconds: 0, breaker: { failures: 3, openSeconds: 30 }, logger, now: () => clock, ...over });

describe("HttpCustomerStore against a real HTTP server", () => {
  test("asks for the normalised number with the bearer token and validates the record", async () => {
    answer = json(200, carla);
    const found = await store({ token: TOKEN }).findByPhone("+1 555-1003");
    expect(found).toEqual(carla);
    expect(seen).toEqual([{ method: "GET", url: "/api/customers?phone=%2B15551003", auth: `Bearer ${TOKEN}`, body: "" }]);
  });

  test("the path template is configurable", async () => {
    answer = json(200, [carla]);
    expect((await store({ path: "/v2/people/by-phone/{phone}" }).findByPhone("5551003"))?.id).toBe("c-1003");
    expect(seen[0]!.url).toBe("/api/v2/people/by-phone/5551003");
    expect(seen[0]!.auth).toBeUndefined();
  });

  test("404, 204, an empty body, null and [] all mean an unknown caller", async () => {
    const answers = [
      json(404, { error: "not found" }),
      (_q: IncomingMessage, res: ServerResponse) => res.writeHead(204).end(),
      (_q: IncomingMessage, res: ServerResponse) => res.writeHead(200).end(""),
      json(200, null),
      json(200, []),
    ];
    const s = store();
    for (const a of answers) {
      answer = a;
      expect(await s.findByPhone("5559999")).toBeNull();
    }
    expect(seen).toHaveLength(5);
  });

  test("an invalid record is an error naming the field", async () => {
    answer = json(200, { ...carla, products: [{ sku: "PRO", name: "Pro", version: 4.2 }] });
    await expect(store().findByPhone("5551003")).rejects.toThrow(
      `CRM at ${base}/api/customers returned an invalid customer record: "version" of "products" item 1 must be text, not 4.2`,
    );
  });

  test("hits and misses are cached for cacheSeconds, then asked again", async () => {
    answer = (req, res) => json(req.url?.includes("5551003") ? 200 : 404, carla)(req, res);
    const s = store({ cacheSeconds: 30 });
    expect((await s.findByPhone("5551003"))?.id).toBe("c-1003");
    expect((await s.findByPhone("555-1003"))?.id).toBe("c-1003");
    expect(await s.findByPhone("5551011")).toBeNull();
    expect(await s.findByPhone("5551011")).toBeNull();
    expect(seen).toHaveLength(2);
    clock += 31_000;
    await s.findByPhone("5551003");
    expect(seen).toHaveLength(3);
  });

  test("a CRM that never answers gives the call an error outcome at the request timeout", async () => {
    answer = (_req, res) => void hung.add(res);
    const crm = new CrmLookup(store({ timeoutMs: 200 }), { timeoutMs: 5000, logger });
    const outcome = await crm.lookup("5551003");
    expect(outcome).toEqual({ status: "error", error: `http CRM: GET ${base}/api/customers timed out after 200 ms` });
  });

  test("the lookup's own deadline also cancels the request", async () => {
    answer = (_req, res) => void hung.add(res);
    const before = hung.size;
    const outcome = await new CrmLookup(store({ timeoutMs: 10_000 }), { timeoutMs: 150, logger }).lookup("5551004");
    expect(outcome).toEqual({ status: "error", error: "http CRM timed out after 150 ms" });
    expect(hung.size).toBe(before + 1);
    // The cancelled request closes its connection instead of waiting 10 s for the CRM.
    const res = [...hung].at(-1)!;
    await new Promise<void>((resolve) => (res.req.socket.destroyed ? resolve() : res.req.socket.once("close", () => resolve())));
  });

  test("failures open the circuit: later lookups fail at once without a request, then one trial closes it", async () => {
    answer = json(500, { error: "database down" });
    const s = store({ breaker: { failures: 3, openSeconds: 30 } });
    for (let i = 0; i < 3; i++) await expect(s.findByPhone("5551003")).rejects.toThrow(`GET ${base}/api/customers answered HTTP 500`);
    expect(s.circuit).toBe("open");
    await expect(s.findByPhone("5551003")).rejects.toThrow(CircuitOpenError);
    await expect(s.findByPhone("5551003")).rejects.toThrow(`CRM at ${base}/api is unavailable (circuit open after repeated failures; next try in 30 s)`);
    expect(seen).toHaveLength(3);

    clock += 30_000;
    expect(s.circuit).toBe("half-open");
    // the trial fails: open again for another 30 s
    await expect(s.findByPhone("5551003")).rejects.toThrow("HTTP 500");
    await expect(s.findByPhone("5551003")).rejects.toThrow(CircuitOpenError);
    expect(seen).toHaveLength(4);

    clock += 30_000;
    answer = json(200, carla);
    expect((await s.findByPhone("5551003"))?.id).toBe("c-1003");
    expect(s.circuit).toBe("closed");
    expect((await s.findByPhone("5551003"))?.id).toBe("c-1003");
    expect(seen).toHaveLength(6);
  });

  test("an unreachable CRM counts against the circuit and says why", async () => {
    const port = await freePort();
    const s = store({ baseUrl: `http://127.0.0.1:${port}`, breaker: { failures: 1, openSeconds: 5 } });
    await expect(s.findByPhone("5551003")).rejects.toThrow(`GET http://127.0.0.1:${port}/customers failed: ECONNREFUSED`);
    await expect(s.findByPhone("5551003")).rejects.toThrow("circuit open");
  });

  test("history is POSTed as JSON with the token when enabled, and refreshes the cached record", async () => {
    answer = (req, res) => (req.method === "POST" ? res.writeHead(201).end() : json(200, carla)(req, res));
    const s = store({ token: TOKEN, postHistory: true, cacheSeconds: 60 });
    await s.findByPhone("5551003");
    const entry = { at: NOW.toISOString(), callId: "call-7", queue: "support", waitSeconds: 12, disposition: "resolved" };
    await s.appendHistory("c-1003", entry);
    await s.findByPhone("5551003");
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /api/customers?phone=5551003", "POST /api/customers/c-1003/history", "GET /api/customers?phone=5551003"]);
    expect(JSON.parse(seen[1]!.body)).toEqual(entry);
    expect(seen[1]!.auth).toBe(`Bearer ${TOKEN}`);

    seen = [];
    await store({ postHistory: false }).appendHistory("c-1003", entry);
    expect(seen).toHaveLength(0);
  });

  test("the token never reaches a log line or an error message", async () => {
    answer = json(503, { error: "maintenance" });
    const s = store({ token: TOKEN, breaker: { failures: 1, openSeconds: 30 } });
    const errors: string[] = [];
    for (let i = 0; i < 2; i++) await s.findByPhone("5551003").catch((e: Error) => errors.push(e.message));
    expect(errors).toHaveLength(2);
    expect(logs.length).toBeGreaterThan(0);
    expect([...logs, ...errors].join("\n")).not.toContain(TOKEN);
  });
});
