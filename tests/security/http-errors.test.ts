/**
 * What the daemon's HTTP server answers to requests that make a route or express throw: never a stack
 * trace or express's HTML error page; a client error keeps its 4xx status with a short reason, anything
 * else is a plain 500 that the log explains. Over real sockets, against a real daemon (simulator, Redis).
 */
import express from "express";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serveHttp, type HttpServer } from "../../src/daemon/http.js";
import { ADMIN, daemon, setup, stopAll } from "../calls/harness.js";

const SECRET = "http-errors-test-session-secret-0123456789";
let url: string;

beforeAll(async () => {
  const s = await setup([]);
  url = (await daemon(s, { SWITCHBOARD_SESSION_SECRET: SECRET })).url;
}, 60_000);
afterAll(stopAll);

/** The parts of an answer that must not give the server's insides away. */
async function answer(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text };
}

function expectClean(a: { type: string; text: string }): void {
  expect(a.type).toMatch(/^application\/json/);
  expect(a.text).not.toMatch(/\bat\s|Error:|node_modules|\/src\/|<pre>|<html/i);
  expect(JSON.parse(a.text)).toEqual({ error: expect.any(String) });
}

describe("the daemon's error answers", () => {
  test("the page's files under another case or with a trailing slash are 404, not a 500 with a stack", async () => {
    for (const path of ["/AGENT/AGENT.JS", "/agent/agent.js/", "/Agent/agent.css", "/agent/AGENT.JS", "/AGENT"]) {
      const a = await answer(path);
      expect(a.status, path).toBe(404);
      expectClean(a);
    }
    // the real files are still served
    expect((await answer("/agent/agent.js")).status).toBe(200);
    expect((await answer("/agent")).status).toBe(200);
  });

  test("bad percent-encoding after the admin token is a 400 with the reason, and echoes nothing of the URL", async () => {
    const a = await answer("/admin/queues/%E0%A4%A", { authorization: `Bearer ${ADMIN}` });
    expect(a.status).toBe(400);
    expectClean(a);
    expect(JSON.parse(a.text)).toEqual({ error: "the URL is not valid percent-encoding" });
    expect(a.text).not.toContain("%E0");
    // without the token the guard answers first
    expect((await answer("/admin/queues/%E0%A4%A")).status).toBe(401);
  });

  test("a login body that is not JSON is still the agent API's own 400", async () => {
    const res = await fetch(`${url}/api/agent/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "request body must be JSON" });
  });
});

describe("the HTTP server's last error handler", () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) }));
  let server: HttpServer;
  beforeAll(async () => {
    const routes = express.Router();
    routes.get("/boom", () => {
      throw new Error("cannot read /srv/switchboard/state.json");
    });
    routes.get("/boom-async", async () => {
      throw Object.assign(new Error("teapot"), { status: 418 });
    });
    server = await serveHttp({ config: { host: "127.0.0.1", port: 0, adminToken: { env: "UNSET" }, trustProxy: [] }, checks: [], routes: [routes], sockets: undefined, log });
  });
  afterAll(() => server.stop());

  test("an error in a route is a plain 500 for the client and a log line with the error for the operator", async () => {
    const res = await fetch(`${server.url}/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: "internal error" });
    expect(text).not.toContain("state.json");
    const logged = lines.find((l) => l.msg === "request failed");
    expect(logged).toMatchObject({ level: 50, method: "GET", path: "/boom", err: { message: expect.stringContaining("state.json") } });
  });

  test("a client error thrown by a route keeps its status with a fixed reason", async () => {
    const res = await fetch(`${server.url}/boom-async`);
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ error: "i'm a teapot" });
  });
});
