/**
 * `switchboard sim` as a function (runSim): a scenario file runs against a Stasis app connected over
 * the real ARI socket with the password from the environment, and the summary counts what happened;
 * a signal stops it early; passwords are never invented off loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveUsers, runSim } from "../../src/cli/sim.js";
import { createLogger } from "../../src/lib/logger.js";
import { freePort } from "../../src/lib/net.js";
import { channelOf, TestAriApp } from "./scenario-ari-app.js";

const dir = mkdtempSync(path.join(tmpdir(), "sb-sim-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger("silent");

function scenarioFile(duration: number): string {
  const file = path.join(dir, `s-${duration}.yaml`);
  writeFileSync(
    file,
    `seed: 5
duration: ${duration}
timeScale: 0.02
arrivals: { rate: 30 }
callers:
  mix:
    # patience far beyond any app delay (60 s of real time): the test is about the talk time, not the giving up
    - { profile: known, weight: 1, numbers: ["5551001", "5551002"], did: "800", talkTime: 2, patience: { total: 3000 } }
agents:
  - { endpoint: PJSIP/1001, answerDelay: 0.5, talkTime: 60 }
`,
  );
  return file;
}

async function options(file: string) {
  return { scenario: file, host: "127.0.0.1", ariPort: await freePort(), amiPort: await freePort(), controlPort: await freePort(), users: ["cti:SIM_TEST_PASSWORD"], logLevel: "silent" };
}

async function connectWhenUp(ariUrl: string): Promise<TestAriApp> {
  for (let i = 0; ; i++) {
    try {
      return await TestAriApp.connect(ariUrl, "switchboard", "cti", "from-env");
    } catch (e) {
      if (i > 200) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe("switchboard sim", () => {
  it("runs a scenario to its end and sums it up: callers bridged to the agent by the app hang up after their talk time", async () => {
    const opts = await options(scenarioFile(120));
    const running = runSim(opts, log, new AbortController().signal, { SIM_TEST_PASSWORD: "from-env" });
    const app = await connectWhenUp(`http://127.0.0.1:${opts.ariPort}`);
    app.on(async (e) => {
      if (e.type !== "StasisStart") return;
      const ch = channelOf(e);
      if (!ch.name.startsWith("PJSIP/trunk")) {
        await app.request("POST", `/bridges/${(e.args as string[])[1]}/addChannel`, { channel: ch.id });
        return;
      }
      await app.request("POST", `/channels/${ch.id}/answer`);
      const bridge = await app.request("POST", "/bridges", { type: "mixing" });
      const id = (bridge.body as { id: string }).id;
      await app.request("POST", `/bridges/${id}/addChannel`, { channel: ch.id });
      await app.request("POST", "/channels", { endpoint: "PJSIP/1001", app: "switchboard", appArgs: `agent,${id}` });
    });
    const summary = await running;
    await app.close();
    const started = app.events.filter((e) => e.type === "StasisStart" && channelOf(e).name.startsWith("PJSIP/trunk")).length;
    expect(summary.placed).toBeGreaterThan(10);
    // a call placed in the scenario's last instant can enter the app as the simulator shuts down, its
    // StasisStart frame not delivered any more: at most that one is missing on the app's side
    expect(summary.reachedApp - started).toBeGreaterThanOrEqual(0);
    expect(summary.reachedApp - started).toBeLessThanOrEqual(1);
    // every caller that reached the app and ended met the agent and left after its talk time (a
    // call placed before the app's socket was up falls through to the fallback instead)
    expect(summary.bridgedToAgent).toBeGreaterThanOrEqual(summary.ended - (summary.placed - summary.reachedApp));
    expect(summary.callerHangups["talk-time"]).toBe(summary.hungUpByCaller);
    expect(summary.hungUpByCaller).toBeGreaterThan(0);
    expect(summary.agents[0]).toMatchObject({ endpoint: "PJSIP/1001" });
    expect(summary.agents[0]!.answered).toBeGreaterThan(0);
  });

  it("stops on a signal before the scenario's end; without the app, callers fall through to the fallback", async () => {
    const opts = await options(scenarioFile(100_000));
    const stop = new AbortController();
    const running = runSim(opts, log, stop.signal, { SIM_TEST_PASSWORD: "from-env" });
    // the control API is up: wait for a few calls to have been placed
    const url = `http://127.0.0.1:${opts.controlPort}/calls`;
    for (;;) {
      const calls = await fetch(url).then((r) => (r.ok ? (r.json() as Promise<unknown[]>) : []), () => []);
      if (calls.length >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    stop.abort();
    const summary = await running;
    expect(summary.placed).toBeGreaterThanOrEqual(3);
    expect(summary.reachedApp).toBe(0);
    expect(summary.answeredByApp).toBe(0);
  });

  it("takes passwords from the environment, and the demo password only on loopback", () => {
    expect(resolveUsers(["a:PW_A", "b:PW_B"], "127.0.0.1", { PW_A: "x", PW_B: "y" }, log)).toEqual({ a: "x", b: "y" });
    expect(() => resolveUsers(["a:PW_A"], "127.0.0.1", {}, log)).toThrow("PW_A is not set");
    expect(Object.keys(resolveUsers(undefined, "127.0.0.1", {}, log))).toEqual(["switchboard"]);
    expect(() => resolveUsers(undefined, "10.0.0.5", {}, log)).toThrow("SWITCHBOARD_SIM_ARI_PASSWORD is not set");
  });
});
