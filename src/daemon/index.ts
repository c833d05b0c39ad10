import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { AgentPhones } from "../calls/agent-phones.js";
import { AmiSync } from "../calls/ami-sync.js";
import { CallManager } from "../calls/manager.js";
import { QueueHandoff } from "../calls/queue-handoff.js";
import { SessionStore } from "../calls/session-store.js";
import type { Config } from "../config/schema.js";
import { createCustomerStore } from "../crm/config.js";
import { CrmLookup } from "../crm/lookup.js";
import { sessionSecretFrom } from "../cti/config.js";
import { createCtiHub } from "../cti/hub.js";
import { agentRouter } from "../cti/router.js";
import { adminRouter } from "../http/admin.js";
import { formatDiagnostic } from "../lib/yaml-source/diagnostics.js";
import { JobHub } from "../jobs/index.js";
import { OfferCaps } from "../offers/caps.js";
import { loadOffers } from "../offers/load.js";
import { AgentDesk } from "./desk.js";
import { DeskStore } from "./desk-store.js";
import { healthRouter, type HealthCheck } from "../http/health.js";
import { TreeRegistry } from "../ivr/registry.js";
import type { Logger } from "../lib/logger.js";
import { CallerQueue } from "../queue/index.js";
import { AmiGateway, AriGateway, AriUnavailableError, amiGatewayOptions, ariGatewayOptions } from "../telephony/index.js";

/**
 * The composition root: Redis, the IVR trees, the CRM, the caller queue, the Asterisk gateways, the call
 * manager and the HTTP server (health, admin API), started in that order and stopped in reverse.
 */

/** One configured Asterisk server: its gateways and the calls on it. */
export interface ServerLink {
  readonly ari: AriGateway;
  readonly ami: AmiGateway | undefined;
  readonly calls: CallManager;
}

export interface Daemon {
  /** The HTTP server's address (useful with port 0). */
  readonly url: string;
  /** Live calls on all servers. */
  readonly calls: { readonly size: number; list(): ReturnType<CallManager["list"]> };
  readonly queue: CallerQueue;
  /** By `asterisk[].id`, in config order. */
  readonly servers: ReadonlyMap<string, ServerLink>;
  /** SIGTERM: stop taking calls (the dialplan fallback takes new ones), keep sessions in Redis, close. */
  stop(): Promise<void>;
}

export class DaemonConfigError extends Error {}

export async function startDaemon(config: Config, opts: { logger: Logger; env?: NodeJS.ProcessEnv }): Promise<Daemon> {
  const env = opts.env ?? process.env;
  const log = opts.logger;
  const first = config.asterisk[0];
  if (!first) throw new DaemonConfigError("no Asterisk server configured (asterisk: [...] in the config); try `switchboard demo` for the built-in simulator");
  // options first: a missing password is a config error before anything starts
  const gateways = config.asterisk.map((server) => ({
    server,
    ari: ariGatewayOptions(server, env, log),
    ami: server.ami ? amiGatewayOptions(server, env, log) : undefined,
  }));
  const adminToken = env[config.http.adminToken.env] || undefined;
  // without a session secret the agent desktop stays off (as the admin API does without its token)
  const sessionSecret = env[config.cti.sessionSecret.env] ? sessionSecretFrom(config.cti, env) : undefined;
  const offers = loadOffers(config.offers.rules);
  if (!offers.ok) throw new DaemonConfigError(`offer rules do not validate:\n${offers.diagnostics.map(formatDiagnostic).join("\n")}`);

  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch((err) => log.warn({ err }, "shutdown step failed"));
  };
  try {
    const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    redis.on("error", (err) => log.warn({ err: err.message }, "redis"));
    await redis.connect();
    cleanups.push(() => void redis.quit().catch(() => redis.disconnect()));

    const registry = TreeRegistry.open(config.ivr.treesDir, { logger: log });
    if (config.ivr.watch) registry.watch();
    cleanups.push(() => registry.close());

    const customers = createCustomerStore(config.crm, { redis, keyPrefix: config.redis.keyPrefix, logger: log, env });
    const crm = new CrmLookup(customers, { timeoutMs: config.crm.timeoutMs, logger: log });
    const jobs = new JobHub({ redisUrl: config.redis.url, prefix: config.redis.keyPrefix, config: config.jobs, logger: log, env });
    await jobs.ready();
    cleanups.push(() => jobs.close());
    const desk = new AgentDesk({
      config,
      crm,
      customers,
      rules: offers.rules,
      caps: new OfferCaps(redis, config.redis.keyPrefix),
      jobs,
      store: new DeskStore(redis, config.redis.keyPrefix),
      logger: log,
      dispositionGraceMs: config.cti.dispositionGrace * 1000,
    });
    cleanups.push(() => desk.stop());
    const queue = CallerQueue.fromConfig(redis, config);
    for (const a of config.agents) {
      await queue.registerAgent({ agentId: a.id, endpoint: a.endpoint, queues: a.queues, skills: a.skills });
      if (a.autoAvailable) await queue.agentState(a.id, { to: "available" }).catch(() => undefined);
    }

    const lines = new Map(gateways.map((g) => [g.server.id, new AriGateway(g.ari)]));
    const phones = new AgentPhones(config.agents, first.id);
    const servers = new Map<string, ServerLink>();
    const callsOn = (serverId: string) => servers.get(serverId)?.calls;
    // the hooks close over `servers` and `cti`, filled below: nothing calls them before the calls start
    let cti: ReturnType<typeof createCtiHub> | undefined;
    const handoff = new QueueHandoff({
      lines,
      dial: (agentId, endpoint, serverId) => phones.dial(agentId, endpoint, serverId),
      queue,
      config: config.calls,
      logger: log,
      hooks: {
        result: (callId, serverId, outcome) => callsOn(serverId)?.queueResult(callId, outcome),
        connected: (c) => callsOn(c.serverId)?.connected(c),
        ended: (c, by) => {
          if (by === "agent") callsOn(c.serverId)?.agentEnded(c);
        },
        agentStatus: (agentId, status) => void cti?.sendState(agentId, status).catch((err) => log.warn({ err, agentId }, "agent state not sent to the desktop")),
      },
    });
    for (const g of gateways) {
      const ari = lines.get(g.server.id)!;
      const calls = new CallManager({
        ari,
        registry,
        store: new SessionStore(redis, `${config.redis.keyPrefix}${g.server.id}:`),
        handoff,
        crm,
        config: config.calls,
        ivr: config.ivr,
        logger: log.child({ server: g.server.id }),
        onConnected: (call, c) => void desk.connected(call, c).catch((err) => log.error({ err, callId: c.callId }, "screen-pop failed")),
        onEnded: (call) => desk.ended(call),
      });
      calls.start();
      cleanups.push(() => calls.stop());
      servers.set(g.server.id, { ari, ami: g.ami ? new AmiGateway(g.ami) : undefined, calls });
      if (gateways.length > 1) warnWithoutSystemName(ari, g.server.id, log);
    }
    handoff.start();
    cleanups.push(() => handoff.stop());
    // a wrong password stops the daemon; with several servers, one that cannot be reached must not keep
    // the daemon from serving the others: its ARI goes on trying in the background
    const several = servers.size > 1;
    for (const { ari } of servers.values()) cleanups.push(() => ari.stop());
    await Promise.all(
      [...servers].map(async ([id, { ari }]) => {
        try {
          await ari.start({ keepTrying: several });
        } catch (err) {
          if (!several || !(err instanceof AriUnavailableError)) throw err;
          log.error({ err, server: id }, "ARI not connected; retrying in the background");
        }
      }),
    );

    for (const [id, { ami, calls }] of servers) {
      if (!ami) continue;
      const sync = new AmiSync({
        ami,
        endpoints: phones.endpointsOn(id),
        queue,
        calls,
        handoff,
        talked: (callId, seconds) => desk.talked(callId, seconds),
        reconcileEveryMs: config.calls.reconcileInterval * 1000,
        logger: log.child({ server: id }),
      });
      sync.start();
      cleanups.push(() => sync.stop());
      await ami.start({ keepTrying: true }).catch((err) => log.warn({ err, server: id }, "AMI not connected; retrying in the background (agent phone states unknown until then)"));
      cleanups.push(() => ami.stop());
    }

    let shuttingDown = false;
    const checks = (): HealthCheck[] => [
      ...[...servers].flatMap(([id, { ari, ami }]) => [
        { name: `ari:${id}`, required: true, status: () => ({ ok: ari.isConnected, detail: ari.state }) },
        ...(ami ? [{ name: `ami:${id}`, required: false, status: () => ({ ok: ami.isConnected, detail: ami.state }) }] : []),
      ]),
      { name: "redis", required: true, status: () => ({ ok: redis.status === "ready", detail: redis.status }) },
    ];
    const allCalls = {
      get size() {
        return [...servers.values()].reduce((n, l) => n + l.calls.size, 0);
      },
      list: () => [...servers.values()].flatMap((l) => l.calls.list()),
    };
    const app = express();
    app.disable("x-powered-by");
    app.use(healthRouter(checks, () => shuttingDown));
    app.use("/admin", adminRouter({ token: adminToken, queue, calls: allCalls, registry, jobs }));
    if (sessionSecret) app.use(agentRouter({ agents: config.agents, sessionSecret, sessionHours: config.cti.sessionHours, logger: log }));
    else app.use(["/agent", "/api/agent"], (_req, res) => void res.status(503).json({ error: `the agent desktop is disabled: set ${config.cti.sessionSecret.env} (32+ characters)` }));
    app.use((_req, res) => void res.status(404).json({ error: "not found" }));
    const httpServer = http.createServer(app);
    if (sessionSecret) {
      cti = createCtiHub({
        server: httpServer,
        redis,
        keyPrefix: config.redis.keyPrefix,
        agents: config.agents,
        sessionSecret,
        allowedOrigins: config.cti.allowedOrigins,
        popTtlSeconds: config.cti.popTtlSeconds,
        logger: log,
        onAgentState: async (agentId, change) => {
          await queue.agentState(agentId, change);
          handoff.kick();
        },
        onOfferOutcome: (agentId, o) => desk.outcome(agentId, o),
        onDisposition: (agentId, d) => desk.disposition(agentId, d),
      });
      desk.attach(cti);
      await cti.ready();
    }
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.http.port, config.http.host, () => resolve());
    });
    cleanups.push(() => new Promise<void>((r) => httpServer.close(() => r())));
    // pushed after the server's close so it runs first: sockets end with 1001 before the server closes
    if (cti) cleanups.push(() => cti!.close());
    const address = httpServer.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    log.info({ url, asterisk: config.asterisk.map((a) => `${a.id} ${a.ari.url}`), trees: [...registry.current.trees.keys()], agents: config.agents.length, admin: adminToken ? "enabled" : "disabled (no token)", agentDesktop: sessionSecret ? `${url}/agent` : "disabled (no session secret)" }, "switchboard daemon ready");

    return {
      url,
      calls: allCalls,
      queue,
      servers,
      async stop() {
        shuttingDown = true;
        for (const l of servers.values()) l.calls.drain();
        httpServer.closeAllConnections?.();
        await cleanup();
        log.info("switchboard daemon stopped");
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}


/**
 * Channel ids are Asterisk unique ids, which carry the server's `systemname` only when one is set: with
 * several servers and no system name, two servers may hand out the same id, and the queue and sessions
 * would mix the two calls up.
 */
function warnWithoutSystemName(ari: AriGateway, serverId: string, log: Logger): void {
  const check = () =>
    void ari.systemName().then(
      (name) => {
        if (!name) log.error({ server: serverId }, "this Asterisk server has no systemname: set one in asterisk.conf ([options] systemname = ...) so its channel ids cannot collide with another server's");
      },
      (err) => log.warn({ err, server: serverId }, "system name not read"),
    );
  ari.on("connected", check);
  ari.on("reconnected", check);
}
