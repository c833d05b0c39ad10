import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, readSecret } from "../src/config/load.js";

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sb-config-"));
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

  it("reads secrets from the environment and names the missing variable without a value", () => {
    expect(readSecret({ env: "SB_TEST_SECRET" }, { SB_TEST_SECRET: "s3cret" })).toBe("s3cret");
    expect(() => readSecret({ env: "SB_TEST_SECRET" }, {})).toThrow(/SB_TEST_SECRET is not set/);
  });
});
