import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, readSecret } from "../src/config/load.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sb-config-"));
  dirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("config loading", () => {
  it("loads the shipped config", () => {
    const cfg = loadConfig("config/switchboard.yaml", {});
    expect(cfg.http.host).toBe("127.0.0.1");
    expect(cfg.ivr.didMap["800"]).toBe("main");
  });

  it("applies environment overrides with their types", () => {
    const cfg = loadConfig("config/switchboard.yaml", { SWITCHBOARD__HTTP__PORT: "9191", SWITCHBOARD__IVR__WATCH: "false" });
    expect(cfg.http.port).toBe(9191);
    expect(cfg.ivr.watch).toBe(false);
  });

  it("names the key and the file for a bad value", () => {
    const file = tmpFile("bad.yaml", "http:\n  port: 99999\n");
    expect(() => loadConfig(file, {})).toThrow(ConfigError);
    expect(() => loadConfig(file, {})).toThrow(/http\.port/);
    expect(() => loadConfig(file, {})).toThrow(file);
  });

  it("rejects unknown keys so typos do not pass silently", () => {
    const file = tmpFile("typo.yaml", "htp:\n  port: 80\n");
    expect(() => loadConfig(file, {})).toThrow(/htp/);
  });

  it("reports YAML syntax errors with line and column", () => {
    const file = tmpFile("syntax.yaml", "http:\n  port: [1,\n");
    expect(() => loadConfig(file, {})).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+`));
  });

  it("refuses a secret written in the file instead of an env reference", () => {
    const file = tmpFile(
      "secret.yaml",
      "asterisk:\n  - id: pbx1\n    ari: { url: 'http://127.0.0.1:8088', username: u, password: hunter2 }\n",
    );
    expect(() => loadConfig(file, {})).toThrow(/asterisk\.0\.ari\.password/);
  });

  it("checks several Asterisk servers and where agents' phones are against each other", () => {
    const server = (id: string) => `  - { id: ${id}, ari: { url: 'http://127.0.0.1:8088', username: u, password: { env: P } } }\n`;
    const agent = (id: string, extra: string) => `  - { id: "${id}", name: A, endpoint: PJSIP/1001, queues: [support]${extra} }\n`;
    const queues = "lanes: { standard: { displayName: S, sla: { seconds: 20, percent: 80 } } }\nqueues: { support: { lanes: [standard] } }\n";
    const load = (text: string) => () => loadConfig(tmpFile("servers.yaml", text), {});
    expect(load(`asterisk:\n${server("a")}${server("b")}${queues}agents:\n${agent("1", ", server: b, dialFrom: { a: PJSIP/trunk-b-1001 }")}`)).not.toThrow();
    expect(load(`asterisk:\n${server("a")}${server("a")}`)).toThrow(/asterisk\.1\.id.*duplicate Asterisk server id "a"/);
    expect(load(`asterisk:\n${server("a")}${queues}agents:\n${agent("1", ", server: c")}`)).toThrow(/agents\.0\.server.*unknown Asterisk server "c" \(servers: a\)/);
    expect(load(`asterisk:\n${server("a")}${queues}agents:\n${agent("1", ", dialFrom: { c: PJSIP/x }")}`)).toThrow(/agents\.0\.dialFrom\.c.*unknown Asterisk server "c"/);
    expect(load(`asterisk:\n${server("a")}${queues}agents:\n${agent("1", "")}${agent("2", "")}`)).toThrow(/agents\.1\.endpoint.*PJSIP\/1001 is already agent 1's phone/);
  });

  it("ships a support calendar, and an appointment calendar must name a configured queue", () => {
    const cfg = loadConfig("config/switchboard.yaml", {});
    expect(cfg.appointments.support).toMatchObject({ timeZone: "Europe/Berlin", plannedAgents: 4, expressShare: 0.1, callAheadMinutes: 2, reminderMinutes: 60, hours: { mon: ["08:00-18:00"], fri: ["08:00-18:00"] } });
    expect(cfg.appointments.support!.hours.sat).toBeUndefined();
    const queues = "lanes: { standard: { displayName: S, sla: { seconds: 20, percent: 80 } } }\nqueues: { support: { lanes: [standard] } }\n";
    const load = (text: string) => () => loadConfig(tmpFile("appointments.yaml", text), {});
    expect(load(`${queues}appointments: { support: { plannedAgents: 2 } }\n`)).not.toThrow();
    expect(load(`${queues}appointments: { sales: { plannedAgents: 2 } }\n`)).toThrow(/appointments\.sales: unknown queue "sales" \(define it under queues; queues: support\)/);
  });

  it("reads secrets from the environment and names the missing variable without a value", () => {
    expect(readSecret({ env: "SB_TEST_SECRET" }, { SB_TEST_SECRET: "s3cret" })).toBe("s3cret");
    expect(() => readSecret({ env: "SB_TEST_SECRET" }, {})).toThrow(/SB_TEST_SECRET is not set/);
  });
});
