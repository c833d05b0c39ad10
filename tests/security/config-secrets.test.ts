/**
 * Secrets in the configuration: they are read from the environment only, and no error message prints
 * one. A URL with a password in the config file is refused with the environment variable to use; an ARI
 * URL carrying credentials is refused without showing them. The CLI runs as an admin would run it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { startDaemon } from "../../src/daemon/index.js";
import { createLogger } from "../../src/lib/logger.js";
import { ariOrigin } from "../../src/telephony/ari/options.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), "sb-config-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REDIS_PASSWORD = "R3dis-s3cret-in-file";
const ARI_PASSWORD = "Ar1-s3cret-in-url";

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const ari = (url: string) => `asterisk:\n  - id: pbx1\n    ari: { url: "${url}", username: switchboard, password: { env: TEST_ARI_PW } }\n`;

/** `switchboard start -c <file>` from the sources, without any SWITCHBOARD__ override of the developer's. */
function start(configFile: string, env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SWITCHBOARD")));
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "start", "-c", configFile], {
    cwd: root,
    encoding: "utf8",
    env: { ...base, NO_COLOR: "1", TEST_ARI_PW: "x", ...env },
    timeout: 60_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("redis.url", () => {
  const withPassword = file("redis.yaml", `redis: { url: "redis://:${REDIS_PASSWORD}@127.0.0.1:6399" }\n${ari("http://127.0.0.1:8088")}`);

  test("with a password in the config file is refused, naming the environment variable to use and not the password", () => {
    expect(() => loadConfig(withPassword, {})).toThrow(ConfigError);
    expect(() => loadConfig(withPassword, {})).toThrow(/redis\.url: the URL carries a password; .*SWITCHBOARD__REDIS__URL/);
    const r = start(withPassword);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("SWITCHBOARD__REDIS__URL");
    expect(r.output).not.toContain(REDIS_PASSWORD);
  }, 60_000);

  test("with a user only, or from the environment, is accepted", () => {
    const userOnly = file("redis-user.yaml", `redis: { url: "redis://switchboard@127.0.0.1:6399" }\n`);
    expect(loadConfig(userOnly, {}).redis.url).toBe("redis://switchboard@127.0.0.1:6399");
    const plain = file("redis-plain.yaml", `redis: { url: "redis://127.0.0.1:6399" }\n`);
    const fromEnv = `redis://:${REDIS_PASSWORD}@127.0.0.1:6399`;
    expect(loadConfig(plain, { SWITCHBOARD__REDIS__URL: fromEnv }).redis.url).toBe(fromEnv);
  });
});

describe("an ARI url carrying credentials", () => {
  test("in the config file is refused without printing them", () => {
    const f = file("ari.yaml", ari(`http://switchboard:${ARI_PASSWORD}@127.0.0.1:8088`));
    const r = start(f);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/asterisk\.0\.ari\.url: the URL carries a password/);
    expect(r.output).not.toContain(ARI_PASSWORD);
  }, 60_000);

  test("from the environment (or a config built in code) is refused by the daemon with the URL redacted", async () => {
    const plain = file("ari-plain.yaml", ari("http://127.0.0.1:8088"));
    const config = loadConfig(plain, { SWITCHBOARD__ASTERISK__0__ARI__URL: `http://switchboard:${ARI_PASSWORD}@127.0.0.1:8088` });
    const failure = await startDaemon(config, { logger: createLogger("silent"), env: { TEST_ARI_PW: "x" } }).then(
      () => new Error("the daemon started"),
      (err: Error) => err,
    );
    expect(failure.message).toBe('ARI url "http://***@127.0.0.1:8088" must not carry credentials; use username and password');
  });

  test("is never shown, whichever check refuses the URL", () => {
    const cases = [
      `http://switchboard:${ARI_PASSWORD}@127.0.0.1:8088/asterisk/ari`, // a path ari-client cannot use
      `ws://switchboard:${ARI_PASSWORD}@127.0.0.1:8088`, // not http(s)
      `switchboard:${ARI_PASSWORD}@127.0.0.1:8088`, // no scheme: not a URL at all
      `http://user:${ARI_PASSWORD}@bad host:8088`, // does not parse
      `http://${ARI_PASSWORD}@127.0.0.1:8088`, // a token as the user
    ];
    for (const url of cases) {
      let message = "";
      try {
        ariOrigin(url, "pbx1");
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, url).toMatch(/^ARI url "/);
      expect(message, url).toContain("***@");
      expect(message, url).not.toContain(ARI_PASSWORD);
    }
    // the schema does not stand in the way of a config built in code
    expect(() => configSchema.parse({ asterisk: [{ id: "a", ari: { url: "http://127.0.0.1:8088", username: "u", password: { env: "X" } } }] })).not.toThrow();
  });
});
