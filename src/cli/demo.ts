import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { loadConfig } from "../config/load.js";
import { hashPassword } from "../cti/password.js";
import { configSchema, type Config } from "../config/schema.js";
import { startDaemon, type Daemon } from "../daemon/index.js";
import { createLogger, type Logger } from "../lib/logger.js";
import { startLocalRedis, type LocalRedis } from "../lib/redis-server.js";
import { startSimulator, type Simulator } from "../sim/index.js";
import { loadScenario, ScenarioRunner, scenarioSimulatorOptions } from "../sim/scenario/index.js";
import { catalogueSounds, withCatalogue } from "./sim-prompts.js";
import { reportStartFailure, untilSignal } from "./start.js";
import { usageExitCode } from "./usage-errors.js";

/**
 * `switchboard demo`: the daemon against the built-in PBX simulator and a local Redis, with the demo
 * scenario's synthetic callers dialing in and synthetic agents answering. Everything listens on loopback.
 */

interface DemoOptions {
  config: string;
  scenario: string;
  port: string;
  logLevel: string;
}

const ARI_USER = "switchboard";
const ARI_PASSWORD_ENV = "SWITCHBOARD_DEMO_ARI_PASSWORD";
const SESSION_SECRET_ENV = "SWITCHBOARD_DEMO_SESSION_SECRET";
const ADMIN_TOKEN_ENV = "SWITCHBOARD_DEMO_ADMIN_TOKEN";
const METRICS_TOKEN_ENV = "SWITCHBOARD_DEMO_METRICS_TOKEN";
const SUPERVISOR = "sup-demo";

/**
 * Debian's redis-server, installed with apt-get when missing (as .ci/run does), unless REDIS_URL is set:
 * with the append-only file (a restart of redis-server loses nothing) and a password made for this run
 * (requirepass; the URL that carries it stays in this process and is never logged).
 */
async function localRedis(log: Logger): Promise<LocalRedis> {
  const opts = { appendonly: true, password: randomBytes(24).toString("base64url") };
  try {
    return await startLocalRedis(opts);
  } catch (err) {
    if (!/not found/.test((err as Error).message)) throw err;
  }
  log.info("redis-server is not installed: installing Debian's redis-server with apt-get");
  const root = process.getuid?.() === 0;
  const run = (args: string[]) => spawnSync(root ? args[0]! : "sudo", root ? args.slice(1) : ["-n", ...args], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const ok = run(["apt-get", "update", "-qq"]).status === 0 && run(["apt-get", "install", "-y", "-qq", "redis-server"]).status === 0;
  if (!ok) throw new Error("could not install redis-server (needs root or passwordless sudo on Debian/Ubuntu): install it yourself, or set REDIS_URL to a running Redis");
  return startLocalRedis(opts);
}

/** The config file's settings with the simulator as the Asterisk server and the demo's Redis. */
function demoConfig(base: Config, sim: Simulator, redisUrl: string, app: string, port: number, passwordHash: string, supervisorHash: string): Config {
  return configSchema.parse({
    ...base,
    agents: base.agents.map((a) => ({ ...a, passwordHash })),
    supervisors: [...base.supervisors, { id: SUPERVISOR, name: "Demo Supervisor", passwordHash: supervisorHash }],
    cti: { ...base.cti, sessionSecret: { env: SESSION_SECRET_ENV } },
    http: { ...base.http, host: "127.0.0.1", port, adminToken: { env: ADMIN_TOKEN_ENV } },
    metrics: { ...base.metrics, prometheus: { ...base.metrics.prometheus, token: { env: METRICS_TOKEN_ENV } } },
    redis: { ...base.redis, url: redisUrl },
    asterisk: [
      {
        id: "sim",
        ari: { url: sim.ariUrl, username: ARI_USER, password: { env: ARI_PASSWORD_ENV }, app },
        ami: { host: sim.host, port: sim.amiPort!, username: ARI_USER, secret: { env: ARI_PASSWORD_ENV } },
      },
    ],
  });
}

export function register(program: Command): void {
  const command = program
    .command("demo")
    .description("run the daemon with the built-in PBX simulator, synthetic callers and agents, and a local Redis")
    .option("-c, --config <file>", "daemon config (its Asterisk and Redis settings are replaced)", "config/switchboard.yaml")
    .option("--scenario <file>", "simulator scenario", "src/sim/scenarios/demo.yaml")
    .option("--port <port>", "HTTP port of the daemon (0: any free port)", "8080")
    .option("--log-level <level>", "pino log level", "info")
    .addHelpText("after", "\nUses REDIS_URL when set; otherwise starts redis-server on a free loopback port (installing Debian's package if missing), with appendonly yes and a password generated for the run.\nStop with Ctrl-C.")
    .action(async (opts: DemoOptions) => {
      const log = createLogger(opts.logLevel as "info");
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write("switchboard demo: --port must be 0-65535\n");
        process.exitCode = 2;
        return;
      }
      const stops: Array<() => Promise<void>> = [];
      let daemon: Daemon | undefined;
      try {
        const base = loadConfig(opts.config);
        const scenario = loadScenario(opts.scenario);
        const redis = process.env.REDIS_URL ? undefined : await localRedis(log);
        if (redis) stops.push(() => redis.stop());
        // a fresh random password per run: the simulator and the daemon share it through this process only
        const password = randomBytes(18).toString("base64url");
        const simOptions = scenarioSimulatorOptions(scenario);
        // prompts the scenario does not time play as long as the catalogue says
        const media = withCatalogue(simOptions.media, catalogueSounds(base.ivr.treesDir));
        const sim = await startSimulator({ ...simOptions, media, users: { [ARI_USER]: password } });
        stops.push(() => sim.stop());
        // one desktop password for every demo agent, new each run, shown on the terminal (never logged)
        const agentPassword = randomBytes(6).toString("base64url");
        const supervisorPassword = randomBytes(6).toString("base64url");
        const config = demoConfig(base, sim, process.env.REDIS_URL ?? redis!.url, scenario.app, port, await hashPassword(agentPassword), await hashPassword(supervisorPassword));
        const sessionSecret = randomBytes(32).toString("base64url");
        const adminToken = randomBytes(18).toString("base64url");
        const metricsToken = randomBytes(18).toString("base64url");
        const secrets = { [ARI_PASSWORD_ENV]: password, [SESSION_SECRET_ENV]: sessionSecret, [ADMIN_TOKEN_ENV]: adminToken, [METRICS_TOKEN_ENV]: metricsToken };
        daemon = await startDaemon(config, { logger: log, env: { ...process.env, ...secrets } });
        const runner = new ScenarioRunner(sim.control, scenario);
        runner.start();
        stops.push(async () => runner.stop());
        const progress = setInterval(() => log.info({ ...runner.summary(), liveIvrCalls: daemon!.calls.size }, "demo progress"), 30_000);
        stops.push(async () => clearInterval(progress));
        const first = config.agents.find((a) => a.autoAvailable) ?? config.agents[0];
        process.stderr.write(
          `\nAgent desktop: ${daemon.url}/agent\n  log in as agent ${first?.id ?? "(none configured)"} with password ${agentPassword}\n` +
            `  (its synthetic phone answers the calls it is offered, and each one pops on the page)\n` +
            `Wallboard:     ${daemon.url}/wallboard\n  log in as supervisor ${SUPERVISOR} with password ${supervisorPassword}\n` +
            `Reports:       curl -H 'Authorization: Bearer ${adminToken}' '${daemon.url}/admin/reports?from=today&by=queue&format=table'\n` +
            `Prometheus:    curl -H 'Authorization: Bearer ${metricsToken}' ${daemon.url}/metrics\n\n`,
        );
        log.info({ daemon: daemon.url, agentDesktop: `${daemon.url}/agent`, health: `${daemon.url}/readyz`, admin: `${daemon.url}/admin/queues`, ari: sim.ariUrl, plannedCalls: runner.arrivals.length, scenario: opts.scenario }, "demo running: synthetic callers are dialing in (Ctrl-C to stop)");
      } catch (err) {
        reportStartFailure("demo", err, log);
        for (const s of stops.reverse()) await s().catch(() => undefined);
        return;
      }
      await untilSignal();
      await daemon.stop();
      for (const s of stops.reverse()) await s().catch(() => undefined);
      log.flush();
    });
  usageExitCode(command);
}
