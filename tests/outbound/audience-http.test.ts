import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { audienceRouter, type AudienceRouteDeps } from "../../src/http/audiences.js";
import { errorHandler } from "../../src/http/errors.js";
import { createLogger } from "../../src/lib/logger.js";
import type { AudienceSource } from "../../src/outbound/audience.js";
import { AudienceIndex, AudienceStore } from "../../src/outbound/audience-store.js";
import { redisPerFile } from "../setup/redis.js";
import { ago, call, customer, DAY, EXAMPLE, EXAMPLE_MATCHES, HAND_MADE, NOW } from "./audience-fixtures.js";

const EVIL = customer("evil", [], [call(ago(DAY), "billing")], { name: '=HYPERLINK("http://evil.example","click")', phones: ["+1 555-7001"] });
const RUNAWAY = customer("busy", [], Array.from({ length: 200 }, (_, i) => call(ago(i * 3_600_000), "cancel")));

describe("the audiences admin routes on a real redis-server", () => {
  const { env, redis } = redisPerFile();
  let server: Server;
  let url: string;
  const start = async (deps: Partial<AudienceRouteDeps> = {}) => {
    const app = express();
    app.use("/admin", audienceRouter({ audiences: new AudienceStore(redis(), env.prefix), index: new AudienceIndex(redis(), env.prefix), now: () => NOW, ...deps }));
    app.use(errorHandler(createLogger("silent")));
    const s = app.listen(0, "127.0.0.1");
    await new Promise((r) => s.once("listening", r));
    return { s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/admin` };
  };
  const send = (method: string, path: string, body?: unknown, base = url) =>
    fetch(`${base}${path}`, { method, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

  beforeAll(async () => {
    await new AudienceIndex(redis(), env.prefix).indexCustomers([...HAND_MADE, EVIL, RUNAWAY]);
    ({ s: server, url } = await start());
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  test("a preview answers the count and a sample", async () => {
    const { status, body } = await json(await send("POST", "/audiences/preview", { condition: EXAMPLE, since: "30d", sample: 2 }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ count: EXAMPLE_MATCHES.length, complete: true, since: "30d", window: { from: ago(30 * DAY), to: NOW.toISOString() } });
    expect((body.sample as Array<{ id: string }>).every((m) => EXAMPLE_MATCHES.includes(m.id))).toBe(true);
    expect(body.sample).toHaveLength(2);
  });

  test.each([
    ["no body", 400, undefined, /condition is required/],
    ["an empty condition", 400, { condition: " " }, /must not be empty/],
    ["an unknown field in the body", 400, { condition: "true", limit: 3 }, /limit/],
    ["a bad since", 400, { condition: "true", since: "3 months" }, /since must be/],
    ["a sample too large", 400, { condition: "true", sample: 5000 }, /sample/],
    ["a condition that is not bool", 422, { condition: "size(calls)" }, /^condition:1:1: error: the condition must give true or false/],
    ["a misspelt field", 422, { condition: "calls.exists(c, c.reson == 'x')" }, /^condition:1:19: error: unknown field "reson" \(did you mean "reason"\?\)/],
    ["a runaway condition", 422, { condition: "calls.all(a, calls.all(b, a.at >= b.at || a.at < b.at))" }, /evaluation steps.*on customer busy/],
  ])("%s is a %i with the reason", async (_what, status, body, message) => {
    const r = await json(await send("POST", "/audiences/preview", body));
    expect(r.status).toBe(status);
    expect(String(r.body.error)).toMatch(message);
    expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /); // never a stack trace
  });

  test("a body that is not JSON is a 400 from the error handler", async () => {
    const r = await json(await send("POST", "/audiences/preview", "{condition:"));
    expect(r).toEqual({ status: 400, body: { error: "request body must be JSON" } });
  });

  test("a condition error says where", async () => {
    const r = await json(await send("POST", "/audiences", { id: "x", name: "x", condition: 'customer.tier == "gold" &&\n customer.tierr == "x"' }));
    expect(r).toMatchObject({ status: 422, body: { line: 2, col: 11 } });
  });

  test("saved audiences: create, conflict, list, read, replace, export, delete", async () => {
    const created = await json(await send("POST", "/audiences", { id: "billing-week", name: "Billing callers", condition: 'calls.exists(c, c.reason == "billing")', since: "7d" }));
    expect(created).toMatchObject({ status: 201, body: { audience: { id: "billing-week", since: "7d", savedAt: NOW.toISOString() } } });
    expect((await send("POST", "/audiences", { id: "billing-week", name: "again", condition: "true" })).status).toBe(409);
    expect((await json(await send("POST", "/audiences", { id: "Not An Id", name: "x", condition: "true" }))).body.error).toMatch(/^id must be/);
    expect((await json(await send("POST", "/audiences", { id: "x", name: "x", condition: "true", savedAt: "now" }))).status).toBe(400);

    const list = await json(await send("GET", "/audiences"));
    expect((list.body.audiences as Array<{ id: string }>).map((a) => a.id)).toContain("billing-week");
    expect((await json(await send("GET", "/audiences/billing-week"))).body.audience).toMatchObject({ name: "Billing callers" });
    expect(await json(await send("GET", "/audiences/nobody"))).toEqual({ status: 404, body: { error: 'no audience "nobody"' } });
    expect(await json(await send("GET", "/audiences/%3Cscript%3E"))).toEqual({ status: 404, body: { error: "no such audience" } });

    expect((await send("PUT", "/audiences/billing-week", { id: "other", name: "x", condition: "true" })).status).toBe(400);
    const replaced = await json(await send("PUT", "/audiences/billing-week", { name: "Billing callers, 30 days", condition: 'calls.exists(c, c.reason == "billing")', since: "30d" }));
    expect(replaced).toMatchObject({ status: 200, body: { audience: { id: "billing-week", since: "30d" } } });

    const csv = await send("GET", "/audiences/billing-week/export.csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="billing-week.csv"');
    const rows = (await csv.text()).split("\r\n");
    expect(rows[0]).toBe("id,name,phone,other phones,email,language,tier,calls,last call");
    expect(rows.slice(1, -1).sort()).toEqual([
      `a4-wrong-reason,Customer a4-wrong-reason,${HAND_MADE[3]!.phones[0]},,,en,standard,1,${ago(2 * DAY)}`,
      `evil,"'=HYPERLINK(""http://evil.example"",""click"")",+1 555-7001,,,en,standard,1,${ago(DAY)}`,
    ]);
    expect((await send("GET", "/audiences/nobody/export.csv")).status).toBe(404);

    expect(await json(await send("DELETE", "/audiences/billing-week"))).toEqual({ status: 200, body: { deleted: "billing-week" } });
    expect((await send("DELETE", "/audiences/billing-week")).status).toBe(404);
  });

  test("an export that selects no one is just the header", async () => {
    await send("POST", "/audiences", { id: "no-one", name: "No one", condition: "false" });
    expect(await (await send("GET", "/audiences/no-one/export.csv")).text()).toBe("id,name,phone,other phones,email,language,tier,calls,last call\r\n");
  });

  test("runs past the allowance are a 429, and a deadline a 503", async () => {
    const busy = await start({ maxRuns: 0 });
    // a source that takes 5 ms per customer: 13 customers are well past a 20 ms deadline
    const index = new AudienceIndex(redis(), env.prefix);
    const slow: AudienceSource = {
      dictionary: () => index.dictionary(),
      records: (ids) => index.records(ids),
      async *scan(mode) {
        for await (const batch of index.scan(mode, 1)) {
          await new Promise((r) => setTimeout(r, 5));
          yield batch;
        }
      },
    };
    const tight = await start({ previewTimeoutMs: 20, index: slow });
    try {
      const r = await send("POST", "/audiences/preview", { condition: "true" }, busy.url);
      expect(r.status).toBe(429);
      expect(r.headers.get("retry-after")).toBe("5");
      const late = await json(await send("POST", "/audiences/preview", { condition: "size(history) >= 0", since: "all" }, tight.url));
      expect(late.status).toBe(503);
      expect(late.body.error).toMatch(/took longer than 0.02 s/);
    } finally {
      await new Promise((r) => busy.s.close(r));
      await new Promise((r) => tight.s.close(r));
    }
  });
});
