/** Shared set-up of the daemon tests: the simulator, a real redis-server, the shipped trees and config. */
import { loadConfig } from "../../src/config/load.js";
import { configSchema, type Config } from "../../src/config/schema.js";
import { startDaemon, type Daemon } from "../../src/daemon/index.js";
import { createLogger } from "../../src/lib/logger.js";
import { withCatalogue } from "../../src/cli/sim-prompts.js";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/sim/index.js";
import { testRedis } from "../setup/redis.js";

export const TIME_SCALE = 0.1;
export const PASSWORD = "test-ari-password";
export const ADMIN = "test-admin-token";
/** The simulator plays each switchboard/ prompt as long as the prompt catalogue says (ivr-trees/prompts.yaml). */
export const MEDIA = withCatalogue(undefined);
const logger = createLogger((process.env.TEST_LOG as "info" | undefined) ?? "silent");
const sims: Simulator[] = [];
const daemons: Daemon[] = [];

/** Stops what the test started (a daemon stopped by the test itself is stopped again harmlessly). */
export async function stopAll(): Promise<void> {
  for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
  for (const s of sims.splice(0)) await s.stop();
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A caller choosing technical support in the main menu and typing an 8-digit account number. */
export const supportCaller = (caller: string, extra: Record<string, unknown> = {}) => ({
  caller,
  did: "800",
  prompts: [
    { prompt: "sound:switchboard/main-menu", after: 0.1, press: "2" },
    { prompt: "sound:switchboard/enter-account", after: 0.1, press: "12345678#" },
  ],
  ...extra,
});

export interface Setup {
  sim: Simulator;
  config: Config;
  redis: ReturnType<typeof testRedis>;
}

/** `simulator`: options of the simulator beyond its users and the app (e.g. `timeScale`, `ari.onRequest`). */
export async function setup(
  agents: Array<Record<string, unknown>>,
  calls: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  simulator: Omit<SimulatorOptions, "users" | "control"> = {},
): Promise<Setup> {
  const sim = await startSimulator({ timeScale: TIME_SCALE, media: MEDIA, ...simulator, users: { switchboard: PASSWORD }, control: { app: "switchboard" } });
  sims.push(sim);
  const redis = testRedis();
  const base = loadConfig("config/switchboard.yaml", {});
  const config = configSchema.parse({
    ...base,
    http: { host: "127.0.0.1", port: 0, adminToken: { env: "TEST_ADMIN_TOKEN" } },
    redis: { url: redis.url, keyPrefix: redis.prefix },
    ivr: { ...base.ivr, watch: false },
    asterisk: [
      {
        id: "sim",
        ari: { url: sim.ariUrl, username: "switchboard", password: { env: "TEST_ARI_PASSWORD" }, heartbeatInterval: 1 },
        ami: { host: sim.host, port: sim.amiPort, username: "switchboard", secret: { env: "TEST_ARI_PASSWORD" } },
      },
    ],
    agents,
    // short wrap-up so one agent can take several calls within a test
    queues: Object.fromEntries(Object.entries(base.queues).map(([n, q]) => [n, { ...q, wrapUp: 1 }])),
    calls: { ...base.calls, ringTimeout: 1, announceEvery: 0, sweepInterval: 0.2, ...calls },
    ...extra,
  });
  return { sim, config, redis };
}

/**
 * A second simulated Asterisk server (`systemname` = id, so its channel ids differ from the first's) with
 * its own ARI password, added to the set-up's config. Its password is in the env as TEST_ARI_PASSWORD_<ID>.
 */
export async function addServer(s: Setup, id: string, password: string, ariUrl?: (sim: Simulator) => Promise<string>): Promise<Setup & { second: Simulator; env: Record<string, string> }> {
  const second = await startSimulator({ users: { switchboard: password }, timeScale: TIME_SCALE, media: MEDIA, control: { app: "switchboard" }, systemName: id });
  sims.push(second);
  const env = `TEST_ARI_PASSWORD_${id.toUpperCase().replace(/-/g, "_")}`;
  const url = ariUrl ? await ariUrl(second) : second.ariUrl;
  const config = configSchema.parse({
    ...s.config,
    asterisk: [
      ...s.config.asterisk,
      {
        id,
        ari: { url, username: "switchboard", password: { env }, heartbeatInterval: 1, reconnectMaxDelay: 2 },
        ami: { host: second.host, port: second.amiPort, username: "switchboard", secret: { env } },
      },
    ],
  });
  return { ...s, config, second, env: { [env]: password } };
}

export async function daemon(s: Setup, env: Record<string, string> = {}): Promise<Daemon> {
  const d = await startDaemon(s.config, { logger, env: { TEST_ARI_PASSWORD: PASSWORD, TEST_ADMIN_TOKEN: ADMIN, ...env } });
  daemons.push(d);
  return d;
}

