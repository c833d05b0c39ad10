import { rmSync } from "node:fs";
import { loadConfig } from "../../config/load.js";
import { hashPassword } from "../../cti/password.js";
import { startDaemon, type Daemon } from "../../daemon/index.js";
import type { Logger } from "../../lib/logger.js";
import type { LocalRedis } from "../../lib/redis-server.js";
import { startSimulator, type Simulator } from "../../sim/index.js";
import { loadScenario, ScenarioRunner, scenarioSimulatorOptions } from "../../sim/scenario/index.js";
import { catalogueSounds, withCatalogue } from "../sim-prompts.js";
import { banner } from "./banner.js";
import { ARI_USER, demoConfig, demoEnv, makeSecrets } from "./config.js";
import { SyntheticDesk } from "./desks.js";
import { demoLoad } from "./load.js";
import { localRedis } from "./redis.js";
import { stopInOrder, type Shutdown } from "./shutdown.js";
import { daemonFigures, figures, progressLine, summaryLines } from "./summary.js";
import type { DemoTerminal } from "./terminal.js";
import { startWebhookSink, type WebhookSink } from "./webhook-sink.js";

/**
 * The demo's parts, started in the order they depend on each other (Redis, the webhook sink, the
 * simulator with its agent phones, the daemon, the synthetic desks, then the callers) and stopped in an
 * order that loses nothing: no new calls first, the daemon drained while Redis is still there, Redis last.
 */

export interface DemoRun {
  config: string;
  scenario: string;
  port: number;
  log: Logger;
  terminal: DemoTerminal;
  shutdown: Shutdown;
  say(text: string): void;
}

const PROGRESS_MS = 30_000;
const POP_MESSAGE = "screen-pop pushed";

/** What is running, filled in as it starts so that a failed start stops what did. */
export interface Parts {
  startedAt: number;
  redis?: LocalRedis;
  redisStopped?: boolean;
  sink?: WebhookSink;
  sim?: Simulator;
  daemon?: Daemon;
  desks: SyntheticDesk[];
  runner?: ScenarioRunner;
  progress?: NodeJS.Timeout;
}

/** Starts everything; throws after stopping what had started. */
export async function startDemo(o: DemoRun): Promise<Parts> {
  const parts: Parts = { startedAt: Date.now(), desks: [] };
  try {
    await startParts(o, parts);
  } catch (err) {
    await stopParts(o, parts);
    throw err;
  }
  return parts;
}

async function startParts(o: DemoRun, parts: Parts): Promise<void> {
  const base = loadConfig(o.config);
  const load = demoLoad(base, loadScenario(o.scenario));
  const { scenario } = load;
  if (!process.env.REDIS_URL) {
    const redis = (parts.redis = await localRedis(o.log));
    // it does not share the terminal's Ctrl-C, so it must not outlive this process (kill() is synchronous)
    const kill = () => {
      void redis.halt("SIGKILL");
      rmSync(redis.dir, { recursive: true, force: true });
    };
    o.shutdown.onForce(kill);
    process.once("exit", () => parts.redisStopped || kill());
  }
  const secrets = makeSecrets();
  const sink = (parts.sink = await startWebhookSink(secrets.webhooks, o.log));
  const simOptions = scenarioSimulatorOptions(scenario);
  // prompts the scenario does not time play as long as the catalogue says
  const media = withCatalogue(simOptions.media, catalogueSounds(base.ivr.treesDir));
  const sim = (parts.sim = await startSimulator({ ...simOptions, media, users: { [ARI_USER]: secrets.ariPassword } }));
  const runner = (parts.runner = new ScenarioRunner(sim.control, scenario));
  // the phones exist before the daemon connects, as on a real Asterisk
  runner.install();
  const wiring = {
    sim: { ariUrl: sim.ariUrl, host: sim.host, amiPort: sim.amiPort! },
    redisUrl: process.env.REDIS_URL ?? parts.redis!.url,
    app: scenario.app,
    port: o.port,
    agentHash: await hashPassword(secrets.agentPassword),
    supervisorHash: await hashPassword(secrets.supervisorPassword),
    sinkUrl: (name: string) => sink.url(name),
  };
  const config = demoConfig(base, wiring, secrets);
  const daemon = (parts.daemon = await startDaemon(config, { logger: o.log, env: demoEnv(secrets) }));
  parts.desks = load.agents.map((a, i) => new SyntheticDesk({ baseUrl: daemon.url, agentId: a.id, password: secrets.agentPassword, seed: scenario.seed + i, log: o.log }));
  // a desk that cannot log in leaves its agent to the queue alone (a pause then lasts): worth a line, not the demo
  await Promise.all(parts.desks.map((d, i) => d.start().catch((err: Error) => o.log.warn({ agentId: load.agents[i]!.id, err: err.message }, "synthetic desk not logged in"))));
  o.say(banner({ url: daemon.url, load, secrets, sinkUrl: sink.base, scenario: o.scenario }));
  runner.start();
  void runner.done.then(() => {
    if (parts.progress) o.log.info({ detail: "every planned call is placed: no new calls (Ctrl-C to stop)" }, "scenario over");
  });
  parts.startedAt = Date.now();
  parts.progress = setInterval(() => {
    void current(o, parts, parts.startedAt).then((f) => f && o.log.info({ detail: progressLine(f) }, "progress"));
  }, PROGRESS_MS);
}

async function current(o: DemoRun, parts: Parts, startedAt: number) {
  if (!parts.daemon || !parts.runner) return undefined;
  const d = await daemonFigures(parts.daemon, startedAt);
  return figures(startedAt, parts.runner.summary(), d, { pops: o.terminal.count(POP_MESSAGE), received: parts.sink?.received ?? new Map() });
}

/**
 * The orderly stop: callers stop being placed and the desks log off; the figures are read while the
 * daemon still runs; the daemon drains and stops (history entries written, jobs delivered to the sink);
 * then the sink, the simulator and Redis. Prints the summary; resolves true when every step went well.
 */
export async function stopDemo(o: DemoRun, parts: Parts): Promise<boolean> {
  clearInterval(parts.progress);
  parts.progress = undefined;
  parts.runner?.stop();
  for (const d of parts.desks) d.stop();
  const daemonSide = parts.daemon ? await daemonFigures(parts.daemon, parts.startedAt) : null;
  const placed = parts.runner?.summary();
  const clean = await stopParts(o, parts);
  if (daemonSide && placed) {
    // leads, sales and history entries counted once the daemon has delivered what it had
    const f = figures(parts.startedAt, placed, daemonSide, { pops: o.terminal.count(POP_MESSAGE), received: parts.sink?.received ?? new Map() });
    o.say(`\n${summaryLines(f).join("\n")}\n`);
  }
  return clean;
}

async function stopParts(o: DemoRun, parts: Parts): Promise<boolean> {
  clearInterval(parts.progress);
  parts.runner?.stop();
  for (const d of parts.desks) d.stop();
  return stopInOrder(
    [
      { name: "the daemon", run: () => parts.daemon?.stop() },
      { name: "the webhook sink", run: () => parts.sink?.stop() },
      { name: "the simulator", run: () => parts.sim?.stop() },
      {
        name: "Redis",
        run: async () => {
          await parts.redis?.stop();
          parts.redisStopped = true;
        },
      },
    ],
    (line) => o.say(line),
  );
}
