/**
 * `switchboard sim --scenario <file>`: runs the PBX simulator standalone (ARI, AMI and the control
 * API on loopback) with a scenario's callers and agents until the scenario's duration has elapsed or
 * SIGINT/SIGTERM, then logs a summary. Passwords come from the environment only.
 */
import { InvalidArgumentError, type Command } from "commander";
import { isIP } from "node:net";
import { createLogger, type Logger } from "../lib/logger.js";
import { startSimulator } from "../sim/index.js";
import { loadScenario, ScenarioError, ScenarioRunner, scenarioSimulatorOptions, type Scenario } from "../sim/scenario/index.js";
import { catalogueSounds, DEFAULT_TREES_DIR, withCatalogue } from "./sim-prompts.js";
import { usageExitCode } from "./usage-errors.js";

/** Used when SWITCHBOARD_SIM_ARI_PASSWORD is unset, and only on a loopback address. */
export const DEMO_USER = "switchboard";
export const DEMO_PASSWORD_ENV = "SWITCHBOARD_SIM_ARI_PASSWORD";
const DEMO_PASSWORD = "switchboard-demo";
export const CONTROL_TOKEN_ENV = "SWITCHBOARD_SIM_CONTROL_TOKEN";

export interface SimCliOptions {
  scenario: string;
  host: string;
  ariPort: number;
  amiPort: number;
  controlPort: number;
  users?: string[];
  logLevel: string;
  /** Trees directory whose prompt catalogue times the `sound:switchboard/*` prompts (default ivr-trees). */
  trees?: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port number 0-65535 (0: any free port)");
  return n;
}

function userSpec(value: string, previous: string[] | undefined): string[] {
  for (const part of value.split(",")) {
    if (!/^[A-Za-z0-9_.-]+:[A-Za-z_][A-Za-z0-9_]*$/.test(part)) throw new InvalidArgumentError(`"${part}": expected user:ENV_VAR (the variable holds the password)`);
  }
  return [...(previous ?? []), ...value.split(",")];
}

export const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));

/** ARI/AMI users from `user:ENV_VAR` pairs; demo credentials only on loopback when none are given. */
export function resolveUsers(specs: string[] | undefined, host: string, env: NodeJS.ProcessEnv, log: Logger): Record<string, string> {
  const pairs = specs ?? [`${DEMO_USER}:${DEMO_PASSWORD_ENV}`];
  const users: Record<string, string> = {};
  for (const spec of pairs) {
    const [user = "", variable = ""] = spec.split(":");
    const password = env[variable];
    if (password) {
      users[user] = password;
      continue;
    }
    if (specs === undefined && isLoopback(host)) {
      log.warn({ user, env: variable }, "no password in the environment: using the documented demo password (loopback only)");
      users[user] = DEMO_PASSWORD;
      continue;
    }
    throw new Error(`${variable} is not set: the password of ARI/AMI user ${user} comes from the environment`);
  }
  return users;
}

/** Runs until the scenario ends or `signal` aborts; resolves with the summary it logged. */
export async function runSim(opts: SimCliOptions, log: Logger, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<ReturnType<ScenarioRunner["summary"]>> {
  const scenario: Scenario = loadScenario(opts.scenario);
  const users = resolveUsers(opts.users, opts.host, env, log);
  const token = env[CONTROL_TOKEN_ENV] || undefined;
  if (!isLoopback(opts.host) && !token) throw new Error(`listening on ${opts.host} (not loopback) needs ${CONTROL_TOKEN_ENV} for the control API`);
  const base = scenarioSimulatorOptions(scenario);
  const sim = await startSimulator({
    ...base,
    // the scenario's own prompt durations first, then the catalogue's estimates
    media: withCatalogue(base.media, catalogueSounds(opts.trees ?? DEFAULT_TREES_DIR)),
    host: opts.host,
    ariPort: opts.ariPort,
    amiPort: opts.amiPort,
    users,
    control: { ...base.control, http: { port: opts.controlPort, ...(token ? { token } : {}) } },
  });
  const runner = new ScenarioRunner(sim.control, scenario);
  log.info(
    { ari: sim.ariUrl, ami: `${sim.host}:${sim.amiPort}`, control: sim.controlUrl, users: Object.keys(users), app: scenario.app, scenario: opts.scenario, seed: scenario.seed, duration: scenario.duration, timeScale: scenario.timeScale, plannedCalls: runner.arrivals.length },
    "simulator listening",
  );
  runner.start();
  const progress = setInterval(() => log.info({ ...runner.summary(), channels: sim.pbx.listChannels().length }, "progress"), 60_000);
  const aborted = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
  try {
    await Promise.race([runner.done, aborted]);
  } finally {
    clearInterval(progress);
  }
  const summary = runner.summary();
  runner.stop();
  log.info({ ...summary, stoppedBy: signal.aborted ? "signal" : "duration" }, "scenario summary");
  await sim.stop();
  return summary;
}

export function register(program: Command): void {
  const command = program
    .command("sim")
    .description("run the PBX simulator (ARI, AMI, control API on loopback) with a scenario's synthetic callers and agents")
    .requiredOption("--scenario <file>", "scenario YAML (e.g. src/sim/scenarios/demo.yaml)")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--ari-port <port>", "ARI HTTP/WebSocket port", port, 8088)
    .option("--ami-port <port>", "AMI port", port, 5038)
    .option("--control-port <port>", "control API port", port, 8090)
    .option("--trees <dir>", "IVR trees directory: its prompt catalogue (prompts.yaml) times the prompts the scenario does not", DEFAULT_TREES_DIR)
    .option("--users <user:ENV_VAR,...>", `ARI/AMI users; each password is read from the named environment variable (default ${DEMO_USER}:${DEMO_PASSWORD_ENV})`, userSpec)
    .option("--log-level <level>", "pino log level", "info")
    .addHelpText(
      "after",
      `\nWithout --users and with ${DEMO_PASSWORD_ENV} unset, user ${DEMO_USER} gets the demo password "${DEMO_PASSWORD}" (loopback only).\n${CONTROL_TOKEN_ENV}, when set, is the control API's bearer token. Logs a summary when the scenario's duration is over or on Ctrl-C.`,
    )
    .action(async (opts: SimCliOptions) => {
      const log = createLogger(opts.logLevel as "info");
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await runSim(opts, log, stop.signal);
      } catch (err) {
        if (err instanceof ScenarioError) {
          process.stderr.write(`switchboard sim: invalid scenario\n${err.message}\n`);
        } else {
          process.stderr.write(`switchboard sim: ${(err as Error).message}\n`);
        }
        process.exitCode = 1;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        log.flush();
      }
    });
  usageExitCode(command);
}
