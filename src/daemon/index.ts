import type { Config } from "../config/schema.js";
import { EventLog } from "../events/log.js";
import { adminRouter } from "../http/admin.js";
import { metricsRouter } from "../http/metrics.js";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../metrics/index.js";
import type { CallerQueue } from "../queue/index.js";
import { HashGate } from "../cti/hash-gate.js";
import { agentDesktop } from "./agent-desktop.js";
import { startAppointments } from "./appointments.js";
import { deskAppointments } from "./desk-appointments.js";
import { openCompliance, startOutbound } from "./outbound.js";
import { startCalls, type AllCalls } from "./calls.js";
import { openCrm } from "./crm.js";
import { openDesk } from "./desk.js";
import { serveHttp } from "./http.js";
import { startJobs } from "./jobs.js";
import { startParts, type RunningParts } from "./lifecycle.js";
import { openMetrics } from "./metrics.js";
import { keepQueue, openQueue } from "./queue.js";
import { connectRedis } from "./redis.js";
import { readSettings, type DaemonSettings } from "./settings.js";
import { supervisorDesk } from "./supervisor.js";
import { connectTelephony, openLinks, type ServerLink } from "./telephony.js";
import { openTrees } from "./trees.js";

/**
 * The composition root: Redis, the IVR trees, the CRM, the webhook jobs, the desk, the caller queue, the
 * calls, the appointments (calendars and their delayed jobs), the Asterisk links and the HTTP server
 * (health, admin API, agent desktop), started in that order and stopped in reverse. Each capability's
 * wiring is a module of its own (./lifecycle.ts: the face).
 */

export { DaemonConfigError } from "./settings.js";

/** Entries the site's event stream keeps (approximate trim, as the queue scripts trim it). */
const EVENTS_MAX_LEN = 1_000_000;
export type { ServerLink } from "./telephony.js";

export interface Daemon {
  /** The HTTP server's address (useful with port 0). */
  readonly url: string;
  /** Live calls on all servers. */
  readonly calls: AllCalls;
  readonly queue: CallerQueue;
  /** KPIs: the folding consumer, reports, Prometheus and the wallboard's feed. */
  readonly metrics: Metrics;
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
    const queue = await openQueue(config, redis.client);
    // every capability's lifecycle events go to the site's one stream, beside the queue's own
    const events = new EventLog(redis.client, queue.keys.events, EVENTS_MAX_LEN, log);
    const trees = parts.add(openTrees(config.ivr, log));
    const crm = openCrm(config, redis.client, env, log);
    const jobs = parts.add(await startJobs(config, env, log, events));
    const desk = parts.add(openDesk({ config, redis: redis.client, crm, jobs: jobs.hub, rules: settings.offerRules, events, logger: log }));
    const metrics = parts.add(openMetrics({ config, redis: redis.client, queue, jobs: jobs.hub, log }));
    const links = openLinks(settings.gateways);
    // every call Switchboard places is checked and logged first (calling hours, do-not-call, consent, caps)
    const compliance = openCompliance(config, redis.client, queue, log);
    const calls = parts.add(await startCalls({ config, links, homeServer: settings.homeServer, redis: redis.client, registry: trees.registry, crm: crm.lookup, queue, desk, events, jobs: jobs.hub, dialCheck: compliance.progress, outbound: compliance.progress, log }));
    const outbound = parts.add(startOutbound({ config, redis: redis.client, queue, callbacks: calls.callbacks, compliance, crm: crm.lookup, offerRules: settings.offerRules, adminToken: settings.adminToken, env, log }));
    desk.onDisposition = (number, disposition, agentId) => outbound.disposition(number, disposition, agentId);
    // a sale on an outbound call converts its campaign member or web lead
    desk.onOutcome = (o) => compliance.progress.sold(o.callId, o.offerId, o.amount);
    desk.onHistory = (customerId, entry) => outbound.index.indexHistory(customerId, entry);
    const appointments = parts.add(await startAppointments({ config, redis: redis.client, queue, callbacks: calls.callbacks, customers: crm.customers, jobs: jobs.hub, events, log }));
    calls.voiceAppointments.use(appointments.appointments);
    const telephony = parts.add(await connectTelephony({ servers: calls.servers, handoff: calls.handoff, phones: calls.phones, queue, desk, config: config.calls, log }));
    const hashGate = new HashGate(config.cti.login.hashing.concurrent, config.cti.login.hashing.queued);
    const desktop = agentDesktop({ config, sessionSecret: settings.sessionSecret, redis: redis.client, queue, handoff: calls.handoff, consults: calls.consults, previews: calls.previews, servers: calls.servers, desk, hashGate, log });
    const supervisors = supervisorDesk({ config, sessionSecret: settings.sessionSecret, redis: redis.client, feed: metrics.wallboard, hashGate, log, gateways: settings.gateways, servers: calls.servers });
    desk.recordingOf = (callId) => supervisors.supervision.recordingLink(callId);
    const web = parts.add(
      await serveHttp({
        config: config.http,
        checks: [...telephony.checks, ...redis.checks],
        routes: [
          metricsRouter({ enabled: config.metrics.prometheus.enabled, token: settings.metricsToken, prometheus: metrics.prometheus }),
          ["/admin", adminRouter({ token: settings.adminToken, queue, calls: calls.all, registry: trees.registry, jobs: jobs.hub, kpis: { report: metrics.report, wallboard: metrics.wallboard, timeZone: config.metrics.timeZone }, callbacks: calls.callbacks, appointments: appointments.appointments })],
          // before the desktop's routes, whose /api/agent catch-all answers 503 while it is off
          ...deskAppointments({ config, sessionSecret: settings.sessionSecret, redis: redis.client, appointments: appointments.appointments, log }),
          desktop.routes,
          supervisors.routes,
          ...outbound.routes,
        ],
        sockets: desktop.sockets,
        log,
      }),
    );
    // added after the server: its streams end before the server closes (they would hold the close up)
    parts.add(supervisors);
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
    return { url: web.url, calls: calls.all, queue, metrics, servers: calls.servers, stop: () => stop(parts, log) };
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
