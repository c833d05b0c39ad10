/**
 * A crash with a full house: the daemon runs as its own process (`switchboard start -c <file>`) with
 * 200 callers sitting in the main menu of the shipped main tree, is killed with SIGKILL (no shutdown
 * code runs), and a second daemon started on the same config resumes every caller still in Stasis
 * from the sessions in Redis: each hears the main menu again and nobody is dropped.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { afterEach, expect, test } from "vitest";
import { parse, parseDocument, stringify } from "yaml";
import { SessionStore } from "../../src/calls/session-store.js";
import { freePort } from "../../src/lib/net.js";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { testRedis } from "../setup/redis.js";
import { spawnDaemon, waitReady, type DaemonProcess } from "./daemon-process.js";
import { TIME_SCALE, waitFor } from "./harness.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CALLERS = 200;
const MENU = "sound:switchboard/main-menu";
const PASSWORD = "kill-test-ari-password";
const env = { KILL_TEST_ARI_PASSWORD: PASSWORD, KILL_TEST_ADMIN_TOKEN: "kill-test-admin-token" };

let sim: Simulator | undefined;
let redis: Redis | undefined;
let dir: string | undefined;
const procs: DaemonProcess[] = [];

afterEach(async () => {
  // SIGKILL as a last resort only: a daemon still running here means the test already failed
  for (const p of procs.splice(0)) await p.stop("SIGTERM", 10_000);
  await sim?.stop();
  sim = undefined;
  redis?.disconnect();
  redis = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/**
 * The shipped trees, copied, with the main menu waiting an hour for a key: the shipped 5 s timeout would
 * replay the menu (no-input retry) by itself while 200 calls are set up, and hide whether the restart did.
 */
function patientTrees(into: string): string {
  const trees = path.join(into, "ivr-trees");
  cpSync(path.join(root, "ivr-trees"), trees, { recursive: true });
  const main = path.join(trees, "main.yaml");
  const doc = parseDocument(readFileSync(main, "utf8"));
  doc.setIn(["nodes", "main-menu", "timeout"], 3600);
  writeFileSync(main, doc.toString());
  return trees;
}

/** config/switchboard.yaml pointed at the simulator, the suite's Redis (own key prefix) and a free port. */
function writeConfig(into: string, s: Simulator, r: ReturnType<typeof testRedis>, port: number): string {
  const base = parse(readFileSync(path.join(root, "config/switchboard.yaml"), "utf8")) as Record<string, unknown>;
  const config = {
    ...base,
    log: { level: "warn" },
    http: { host: "127.0.0.1", port, adminToken: { env: "KILL_TEST_ADMIN_TOKEN" } },
    redis: { url: r.url, keyPrefix: r.prefix },
    ivr: { ...(base.ivr as Record<string, unknown>), treesDir: patientTrees(into), watch: false },
    asterisk: [
      {
        id: "sim",
        ari: { url: s.ariUrl, username: "switchboard", password: { env: "KILL_TEST_ARI_PASSWORD" }, heartbeatInterval: 1 },
        ami: { host: s.host, port: s.amiPort, username: "switchboard", secret: { env: "KILL_TEST_ARI_PASSWORD" } },
      },
    ],
  };
  const file = path.join(into, "switchboard.yaml");
  writeFileSync(file, stringify(config));
  return file;
}

const menus = (r: CallRecord | undefined) => (r?.heard ?? []).filter((h) => h.uri === MENU).length;

test("kill -9 with 200 callers in the menu: the restarted daemon plays the menu to every one of them again", async ({ annotate }) => {
  sim = await startSimulator({ users: { switchboard: PASSWORD }, timeScale: TIME_SCALE, control: { app: "switchboard" } });
  const r = testRedis();
  redis = r.client();
  const store = new SessionStore(redis, `${r.prefix}sim:`);
  dir = mkdtempSync(path.join(tmpdir(), "switchboard-kill-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = writeConfig(dir, sim, r, port);

  const first = spawnDaemon(configFile, env);
  procs.push(first);
  await waitReady(url, first);

  // unknown numbers (not in config/customers.yaml) who press nothing and would stay for an hour of sim time
  const ids = Array.from({ length: CALLERS }, (_, i) => sim!.control.placeCall({ caller: `555700${String(i).padStart(3, "0")}`, did: "800", hangupAfter: 3600 }).channelId);
  const s = sim;
  const allHeard = (n: number) => ids.every((id) => menus(s.control.getCall(id)) === n);
  await waitFor(`all ${CALLERS} callers to hear the main menu`, () => allHeard(1), 30_000);
  await waitFor(`${CALLERS} sessions in the main menu in Redis`, async () => {
    const sessions = await store.list("sim");
    return sessions.length === CALLERS && sessions.every((x) => x.engine.node === "main#main-menu");
  });

  // the crash: no drain, no goodbye; the PBX keeps the channels in the (now inactive) Stasis app
  process.kill(first.pid, "SIGKILL");
  expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
  procs.splice(procs.indexOf(first), 1);
  await waitFor("the PBX to see the app's socket drop", () => s.pbx.getApp("switchboard")?.active === false);
  expect(sim.pbx.getApp("switchboard")?.channelIds).toEqual([...ids].sort());

  const restartedAt = Date.now();
  const second = spawnDaemon(configFile, env);
  procs.push(second);
  await waitReady(url, second);
  const readyAt = Date.now();
  await waitFor(`all ${CALLERS} callers to hear the main menu again`, () => allHeard(2), 30_000);
  await annotate(`second daemon ready ${readyAt - restartedAt} ms after spawn; all ${CALLERS} callers heard the menu again ${Date.now() - readyAt} ms later`);

  // nobody was dropped or sent to the fallback: all still in the app, each with its session
  const records = ids.map((id) => s.control.getCall(id)!);
  expect(records.filter((x) => x.phase === "ended" || x.hangup !== undefined)).toEqual([]);
  expect(records.filter((x) => x.heard.some((h) => h.uri === "sound:switchboard/please-hold"))).toEqual([]);
  expect(sim.pbx.getApp("switchboard")).toMatchObject({ active: true, channelIds: [...ids].sort() });
  expect((await store.list("sim")).map((x) => x.callId).sort()).toEqual([...ids].sort());

  // SIGTERM: a clean exit, and the sessions stay in Redis for the next daemon
  procs.splice(procs.indexOf(second), 1);
  expect(await second.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  expect((await store.list("sim")).length).toBe(CALLERS);
}, 90_000);
