/**
 * Crash tests' set-up: the daemon as a child process (`switchboard start -c <file>`, from dist/) on a
 * config written for the simulator, the suite's real redis-server (a key prefix of its own) and a free
 * port, so SIGKILL really kills it: nothing of the daemon's memory survives, only what is in Redis and
 * on the PBX.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { expect } from "vitest";
import { parse, parseDocument, stringify, type Document } from "yaml";
import { SessionStore } from "../../src/calls/session-store.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { freePort } from "../../src/lib/net.js";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/sim/index.js";
import { SECRET } from "../cti/helpers.js";
import { testRedis } from "../setup/redis.js";
import { spawnDaemon, waitReady, type DaemonProcess } from "./daemon-process.js";
import { TIME_SCALE, waitFor } from "./harness.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const PASSWORD = "process-rig-ari-password";
/** The environment the rig's daemons get (a second daemon of a test may take the same); the session secret is the one AgentClient.login signs with. */
export const RIG_ENV = { RIG_ARI_PASSWORD: PASSWORD, RIG_ADMIN_TOKEN: "process-rig-admin-token", RIG_SESSION_SECRET: SECRET };
/** The session secret's variable, for a config that turns the agent desktop on. */
export const SESSION_SECRET_ENV = { env: "RIG_SESSION_SECRET" };

export interface RigOptions {
  /** Simulator options beyond users, time scale and control (e.g. media durations). */
  sim?: Omit<SimulatorOptions, "users" | "timeScale" | "control">;
  /** Sections of config/switchboard.yaml to change: an object is merged into the shipped section, anything else replaces it. */
  config?: Record<string, unknown>;
  /** Edits the copy of the shipped main tree (ivr-trees/main.yaml). */
  mainTree?: (doc: Document) => void;
}

export interface ProcessRig {
  sim: Simulator;
  /** A client on the suite's Redis, and the rig's key prefix on it. */
  redis: Redis;
  prefix: string;
  /** The daemon's HTTP address (the same for every daemon the rig starts). */
  url: string;
  /** The config the daemons run with, as they read it. */
  config: Config;
  /** The sessions of the simulator's calls. */
  sessions: SessionStore;
  /** Spawns a daemon and waits until it is ready. */
  start(): Promise<DaemonProcess>;
  /** Ends a daemon with `signal` and waits until the PBX has seen its app's socket go. */
  end(d: DaemonProcess, signal: "SIGKILL" | "SIGTERM"): Promise<void>;
  /** Daemons still running get SIGTERM; the simulator stops, the files go. */
  close(): Promise<void>;
}

function mergeSections(base: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  return { ...base, ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, isObject(v) && isObject(base[k]) ? { ...base[k], ...v } : v])) };
}

function copyTrees(into: string, edit: RigOptions["mainTree"]): string {
  const trees = path.join(into, "ivr-trees");
  cpSync(path.join(root, "ivr-trees"), trees, { recursive: true });
  if (edit) {
    const main = path.join(trees, "main.yaml");
    const doc = parseDocument(readFileSync(main, "utf8"));
    edit(doc);
    writeFileSync(main, doc.toString());
  }
  return trees;
}

export async function processRig(opts: RigOptions = {}): Promise<ProcessRig> {
  const sim = await startSimulator({ ...opts.sim, users: { switchboard: PASSWORD }, timeScale: TIME_SCALE, control: { app: "switchboard" } });
  const r = testRedis();
  const redis = r.client();
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-rig-"));
  const port = await freePort();
  const base = parse(readFileSync(path.join(root, "config/switchboard.yaml"), "utf8")) as Record<string, unknown>;
  const config = mergeSections(
    {
      ...base,
      log: { level: "warn" },
      http: { host: "127.0.0.1", port, adminToken: { env: "RIG_ADMIN_TOKEN" } },
      redis: { url: r.url, keyPrefix: r.prefix },
      ivr: { ...(base.ivr as Record<string, unknown>), treesDir: copyTrees(dir, opts.mainTree), watch: false },
      asterisk: [
        {
          id: "sim",
          ari: { url: sim.ariUrl, username: "switchboard", password: { env: "RIG_ARI_PASSWORD" }, heartbeatInterval: 1 },
          ami: { host: sim.host, port: sim.amiPort, username: "switchboard", secret: { env: "RIG_ARI_PASSWORD" } },
        },
      ],
    },
    opts.config ?? {},
  );
  const configFile = path.join(dir, "switchboard.yaml");
  writeFileSync(configFile, stringify(config));
  const running = new Set<DaemonProcess>();
  return {
    sim,
    redis,
    prefix: r.prefix,
    url: `http://127.0.0.1:${port}`,
    config: loadConfig(configFile, {}),
    sessions: new SessionStore(redis, `${r.prefix}sim:`),
    async start() {
      const d = spawnDaemon(configFile, RIG_ENV);
      running.add(d);
      await waitReady(`http://127.0.0.1:${port}`, d);
      return d;
    },
    async end(d, signal) {
      running.delete(d);
      const exit = await d.stop(signal);
      // a daemon that fails its clean shutdown would hide what the next one has to recover
      expect(exit).toEqual(signal === "SIGKILL" ? { code: null, signal } : { code: 0, signal: null });
      // an app without channels is forgotten altogether, as Asterisk does
      await waitFor("the PBX to see the app's socket go", () => sim.pbx.getApp("switchboard")?.active !== true);
    },
    async close() {
      // SIGTERM as a last resort: a daemon still running here means the test already failed
      for (const d of running) await d.stop("SIGTERM", 10_000);
      await sim.stop();
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
