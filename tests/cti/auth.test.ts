import { describe, expect, test } from "vitest";
import { agentsConfigSchema, ctiConfigSchema, sessionSecretFrom } from "../../src/cti/config.js";
import { loginConfigSchema } from "../../src/cti/login-config.js";
import { originAllowed } from "../../src/cti/origin.js";
import { hashPassword, parsePasswordHash, verifyPassword } from "../../src/cti/password.js";
import { issueSession, verifySession } from "../../src/cti/session.js";

const SECRET = "unit-test-secret-unit-test-secret-42";
const FAST = { N: 1024, r: 8, p: 1 };

describe("password hashes", () => {
  test("a hash verifies its password only, and salts differ", async () => {
    const a = await hashPassword("correct horse", FAST);
    const b = await hashPassword("correct horse", FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horse ", a)).toBe(false);
    expect(await verifyPassword("", a)).toBe(false);
  });

  test("the default cost is the one written in the hash", async () => {
    const h = await hashPassword("pw-default-cost");
    expect(h.startsWith("scrypt$32768$8$1$")).toBe(true);
    expect(await verifyPassword("pw-default-cost", h)).toBe(true);
  });

  test("malformed or abusive stored hashes never verify", async () => {
    const good = await hashPassword("pw", FAST);
    const [, , , , salt, hash] = good.split("$");
    for (const bad of [
      "",
      "plain-text-password",
      `bcrypt$1024$8$1$${salt}$${hash}`,
      `scrypt$1000$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$4194304$8$1$${salt}$${hash}`, // 4 GiB of memory per login
      `scrypt$1024$8$1$${salt}$`,
      `scrypt$1024$8$1$${salt}$${hash}$extra`,
    ]) {
      expect(parsePasswordHash(bad)).toBeNull();
      expect(await verifyPassword("pw", bad)).toBe(false);
    }
  });
});

describe("session tokens", () => {
  const now = Date.UTC(2026, 2, 10, 9, 0, 0);

  test("an issued token verifies with its claims until it expires", () => {
    const { token, claims } = issueSession(SECRET, "1001", { hours: 10, now });
    expect(claims).toEqual({ v: 1, sub: "1001", iat: now, exp: now + 10 * 3_600_000 });
    expect(verifySession(SECRET, token, now + 1000)).toEqual({ ok: true, claims });
    expect(verifySession(SECRET, token, now + 10 * 3_600_000)).toEqual({ ok: false, reason: "expired" });
    expect(verifySession(SECRET, token, now - 2 * 60_000)).toEqual({ ok: false, reason: "not yet valid" });
  });

  test("forged tokens are refused", () => {
    const { token } = issueSession(SECRET, "1002", { hours: 1, now });
    const [body, mac] = token.split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const reSigned = (c: object) => `${Buffer.from(JSON.stringify(c)).toString("base64url")}.${mac}`;
    expect(verifySession(SECRET, reSigned({ ...claims, sub: "1001" }), now)).toEqual({ ok: false, reason: "bad signature" });
    expect(verifySession(SECRET, reSigned({ ...claims, exp: now + 999 * 3_600_000 }), now)).toEqual({ ok: false, reason: "bad signature" });
    expect(verifySession("another-secret-entirely-another-secret", token, now)).toEqual({ ok: false, reason: "bad signature" });
    expect(verifySession(SECRET, `${body}.${mac.slice(0, -2)}AA`, now).ok).toBe(false);
  });

  test("malformed tokens are refused without throwing", () => {
    const sign = (body: string) => issueSession(SECRET, "x", { hours: 1 }).token.replace(/^[^.]+/, body);
    for (const t of [undefined, null, 42, "", ".", "abc", "a.b.c", "x".repeat(5000), sign("not-base64-json")]) {
      expect(verifySession(SECRET, t, now)).toMatchObject({ ok: false });
    }
  });
});

describe("cti and agents config", () => {
  test("defaults, origins normalised, and the secret named by the config comes from the environment", () => {
    const cfg = ctiConfigSchema.parse({ allowedOrigins: ["https://desk.example.com/"] });
    expect(cfg).toEqual({ sessionSecret: { env: "SWITCHBOARD_SESSION_SECRET" }, sessionHours: 10, allowedOrigins: ["https://desk.example.com"], dispositionGrace: 120, popTtlSeconds: 3600, wrapUpCodes: expect.any(Array), login: loginConfigSchema.parse({}) });
    expect(cfg.wrapUpCodes.map((c) => c.code)).toEqual(["resolved", "follow-up", "escalated", "callback", "no-action"]);
    expect(ctiConfigSchema.safeParse({ wrapUpCodes: [{ code: "a", label: "A" }, { code: "a", label: "B" }] }).success).toBe(false);
    expect(cfg.login).toMatchObject({ window: 900, addressFailures: 50, agentAddress: { free: 3 }, agent: { maxDelay: 60 }, hashing: { concurrent: 2, queued: 16 } });
    expect(ctiConfigSchema.safeParse({ allowedOrigins: ["https://desk.example.com/agent"] }).success).toBe(false);
    expect(() => sessionSecretFrom(cfg, {})).toThrow(/export SWITCHBOARD_SESSION_SECRET/);
    expect(() => sessionSecretFrom(cfg, { SWITCHBOARD_SESSION_SECRET: "short" })).toThrow(/too short/);
    expect(sessionSecretFrom(cfg, { SWITCHBOARD_SESSION_SECRET: SECRET })).toBe(SECRET);
  });

  test("agents: skills as list or levels, hashes checked, duplicate ids refused", async () => {
    const hash = await hashPassword("pw", FAST);
    const agents = agentsConfigSchema.parse([
      { id: "1001", name: "Alex", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash: hash },
      { id: "1002", name: "Sam", endpoint: "PJSIP/1002", queues: ["billing"], skills: { billing: 5 } },
    ]);
    expect(agents.map((a) => a.skills)).toEqual([{ support: 1 }, { billing: 5 }]);
    const bad = agentsConfigSchema.safeParse([
      { id: "1001", name: "Alex", endpoint: "PJSIP/1001", queues: ["support"], passwordHash: "hunter2" },
      { id: "1001", name: "Twin", endpoint: "PJSIP/1009", queues: ["support"] },
    ]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["0.passwordHash", "must be a hash printed by `switchboard agent-password` (scrypt$N$r$p$salt$hash)"],
      ["1.id", 'duplicate agent id "1001"'],
    ]);
  });
});

describe("origin check", () => {
  test("same host, configured origins and non-browser clients pass; other sites and opaque origins do not", () => {
    expect(originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", [])).toBe(true);
    expect(originAllowed("https://Desk.Example.com", "desk.example.com", [], "https")).toBe(true);
    // the scheme counts: an https page is not the plain-HTTP daemon's origin (behind a TLS proxy, list it)
    expect(originAllowed("https://desk.example.com", "desk.example.com", [])).toBe(false);
    expect(originAllowed("https://desk.example.com", "desk.example.com", ["https://desk.example.com"])).toBe(true);
    expect(originAllowed("http://127.0.0.1:9999", "127.0.0.1:8080", [])).toBe(false);
    expect(originAllowed("https://evil.example.net", "desk.example.com", [])).toBe(false);
    expect(originAllowed("https://wall.example.com", "desk.example.com", ["https://wall.example.com"])).toBe(true);
    expect(originAllowed("null", "desk.example.com", [])).toBe(false);
    expect(originAllowed(undefined, "desk.example.com", [])).toBe(true);
  });
});
