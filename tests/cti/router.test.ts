import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Redis } from "ioredis";
import { PAGE_DIR } from "../../src/cti/router.js";
import { verifySession } from "../../src/cti/session.js";
import { testRedis } from "../setup/redis.js";
import { SECRET, startDesk, testAgents, type Desk } from "./helpers.js";

let redis: Redis;
let d: Desk;
beforeAll(async () => {
  redis = testRedis().client();
  d = await startDesk(redis, testRedis().prefix, await testAgents());
});
afterAll(async () => {
  await d.close();
  await redis.quit();
});

const login = (body: unknown, contentType = "application/json") =>
  fetch(`${d.url}/api/agent/login`, { method: "POST", headers: { "content-type": contentType }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("agent router", () => {
  test("a correct password gives a session token for that agent", async () => {
    const res = await login({ agentId: "1001", password: "alex-password" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; agent: unknown; expiresAt: number };
    expect(body.agent).toEqual({ id: "1001", name: "Alex Morgan" });
    expect(verifySession(SECRET, body.token)).toMatchObject({ ok: true, claims: { sub: "1001", exp: body.expiresAt } });
  });

  test("malformed bodies are 400 with the reason", async () => {
    const missing = await login({ agentId: "1001" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: "invalid login request", details: ["password: Invalid input: expected string, received undefined"] });
    const extra = await login({ agentId: "1001", password: "x", admin: true });
    expect(extra.status).toBe(400);
    const broken = await login("{not json");
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: "request body must be JSON" });
    expect((await login("agentId=1001&password=x", "application/x-www-form-urlencoded")).status).toBe(400);
  });

  test("bad credentials are 401 alike for a wrong password, an unknown agent and an agent without desktop access", async () => {
    for (const body of [
      { agentId: "1002", password: "wrong" },
      { agentId: "9999", password: "sam-password" },
      { agentId: "1003", password: "anything" },
    ]) {
      const res = await login(body);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "unknown agent id or wrong password" });
    }
  });

  test("repeated failures lock the agent id from that address, even against the right password", async () => {
    // a success ends any earlier series of failures (the test above left one)
    expect((await login({ agentId: "1002", password: "sam-password" })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login({ agentId: "1002", password: `guess-${i}` })).status).toBe(401);
    const locked = await login({ agentId: "1002", password: "sam-password" });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // other agents are not affected
    expect((await login({ agentId: "1001", password: "alex-password" })).status).toBe(200);
  });

  test("the page is served with a strict CSP, its script and stylesheet alongside", async () => {
    const page = await fetch(`${d.url}/agent`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/agent/agent.js"></script>');
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=|style=/);
    // the script is ES modules beside agent.js: each is served as JavaScript, none writes HTML
    for (const file of readdirSync(PAGE_DIR).filter((f) => f.endsWith(".js"))) {
      const js = await fetch(`${d.url}/agent/${file}`);
      expect(js.headers.get("content-type")).toMatch(/javascript/);
      expect(await js.text()).not.toContain("innerHTML");
    }
    expect((await fetch(`${d.url}/agent/agent.css`)).headers.get("content-type")).toMatch(/text\/css/);
    expect((await fetch(`${d.url}/agent/agent.html`)).status).toBe(404);
  });
});
