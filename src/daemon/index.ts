import type { Config } from "../config/schema.js";
import { adminRouter } from "../http/admin.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import { agentDesktop } from "./agent-desktop.js";
import { startCalls, type AllCalls } from "./calls.js";
import { openCrm } from "./crm.js";
import { openDesk } from "./desk.js";
import { serveHttp } from "./http.js";
import { startJobs } from "./jobs.js";
import { startParts, type RunningParts } from "./lifecycle.js";
import { keepQueue, openQueue } from "./queue.js";
import { connectRedis } from "./redis.js";
import { readSettings, type DaemonSettings } from "./settings.js";
import { connectTelephony, openLinks, type ServerLink } from "./telephony.js";
import { openTrees } from "./trees.js";

/**
 * The composition root: Redis, the IVR trees, the CRM, the webhook jobs, the desk, the caller queue, the
 * calls, the Asterisk links and the HTTP server (health, admin API, agent desktop), started in that order
 * and stopped in reverse. Each capability's wiring is a module of its own (./lifecycle.ts: the face).
 */

export { DaemonConfigError } from "./settings.js";
export type { ServerLink } from "./telephony.js";

export interface Daemon {
  /** The HTTP server's address (useful with port 0). */
  readonly url: string;
  /** Live calls on all servers. */
  readonly calls: AllCalls;
  readonly queue: CallerQueue;
  /** By `asterisk[].id`, in config order. */
  readonly servers: ReadonlyMap<string, ServerLink>;
  /** SIGTERM: stop taking calls (the dialplan fallback takes new ones), keep sessions in Redis, close. */
  stop(): Promise<void>;
}

export async function startDaemon(config: Config, opts: { logger: Logger; env?: NodeJS.ProcessEnv }): Promise<Daemon> {
  const env = opts.env ?? process.env;
  const log = opts.logger;
  const settings = readSettings(config, env, log);
  return startParts(log, async (parts) => {
    const redis = parts.add(await connectRedis(config.redis, log));
    const trees = parts.add(openTrees(config.ivr, log));
    const crm = openCrm(config, redis.client, env, log);
    const jobs = parts.add(await startJobs(config, env, log));
    const desk = parts.add(openDesk({ config, redis: redis.client, crm, jobs: jobs.hub, rules: settings.offerRules, logger: log }));
    const queue = await openQueue(config, redis.client);
    const links = openLinks(settings.gateways);
    const calls = parts.add(await startCalls({ config, links, homeServer: settings.homeServer, redis: redis.client, registry: trees.registry, crm: crm.lookup, queue, desk, log }));
    const telephony = parts.add(await connectTelephony({ servers: calls.servers, handoff: calls.handoff, phones: calls.phones, queue, desk, config: config.calls, log }));
    const desktop = agentDesktop({ config, sessionSecret: settings.sessionSecret, redis: redis.client, queue, handoff: calls.handoff, desk, log });
    const web = parts.add(
      await serveHttp({
        config: config.http,
        checks: [...telephony.checks, ...redis.checks],
        routes: [["/admin", adminRouter({ token: settings.adminToken, queue, calls: calls.all, registry: trees.registry, jobs: jobs.hub })], desktop.routes],
        sockets: desktop.sockets,
        log,
      }),
    );
    // Redis faults: a full Redis shows in /readyz, what it refused is written once it takes writes, and
    // what it lost in a restart without persistence is written again
    keepQueue({
      redis,
      queue,
      config,
      callers: () => calls.handoff.rejoining(),
      notRejoined: (ids) => calls.handoff.notRejoined(ids),
      emptied: () => calls.rewrite(),
      kick: () => calls.handoff.kick(),
      log,
    });
    await redis.watch();
    logReady(config, settings, web.url, [...trees.registry.current.trees.keys()], log);
    return { url: web.url, calls: calls.all, queue, servers: calls.servers, stop: () => stop(parts, log) };
  });
}

/** Everything drains first (no new calls, /readyz 503, connections closed), then stops in reverse start order. */
async function stop(parts: RunningParts, log: Logger): Promise<void> {
  parts.drain();
  await parts.stop();
  log.info("switchboard daemon stopped");
}

function logReady(config: Config, settings: DaemonSettings, url: string, trees: string[], log: Logger): void {
  log.info(
    {
      url,
      asterisk: config.asterisk.map((a) => `${a.id} ${a.ari.url}`),
      trees,
      agents: config.agents.length,
      admin: settings.adminToken ? "enabled" : "disabled (no token)",
      agentDesktop: settings.sessionSecret ? `${url}/agent` : "disabled (no session secret)",
    },
    "switchboard daemon ready",
  );
}
