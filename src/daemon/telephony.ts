import { AmiSync } from "../calls/ami-sync.js";
import type { AgentPhones } from "../calls/agent-phones.js";
import { AriPhones } from "../calls/ari-phones.js";
import { PhoneFeed } from "../calls/phone-feed.js";
import type { CallManager } from "../calls/manager.js";
import type { QueueHandoff } from "../calls/queue-handoff.js";
import type { Config } from "../config/schema.js";
import type { HealthCheck } from "../http/health.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import { AmiGateway, AriGateway, AriUnavailableError } from "../telephony/index.js";
import type { AgentDesk } from "../desk/agent-desk.js";
import { startParts, type Running, type RunningParts } from "./lifecycle.js";
import type { GatewaySettings } from "./settings.js";

/**
 * The links to the Asterisk servers: made before the calls (which listen on them), connected after, so no
 * event arrives before its listener: ARI on every server, then AMI with what the daemon reads over it.
 * The agents' phone states come from both (a PhoneFeed per server): ARI's endpoint states, and AMI's
 * device states where AMI is configured.
 */

/** One configured Asterisk server's gateways. */
export interface Link {
  readonly ari: AriGateway;
  readonly ami: AmiGateway | undefined;
}

/** One configured Asterisk server: its gateways and the calls on it. */
export interface ServerLink extends Link {
  readonly calls: CallManager;
}

/** By `asterisk[].id`, in config order; not connected yet. */
export function openLinks(gateways: readonly GatewaySettings[]): Map<string, Link> {
  return new Map(gateways.map((g) => [g.server.id, { ari: new AriGateway(g.ari), ami: g.ami ? new AmiGateway(g.ami) : undefined }]));
}

export interface TelephonyDeps {
  servers: ReadonlyMap<string, ServerLink>;
  handoff: QueueHandoff;
  phones: AgentPhones;
  queue: CallerQueue;
  desk: AgentDesk;
  config: Config["calls"];
  log: Logger;
}

/** ARI is required on every server for /readyz; AMI is reported but optional. */
export interface Telephony extends Running {
  checks: HealthCheck[];
}

export function connectTelephony(deps: TelephonyDeps): Promise<Telephony> {
  const { servers, log } = deps;
  return startParts(log, async (parts) => {
    if (servers.size > 1) for (const [id, { ari }] of servers) warnWithoutSystemName(ari, id, log);
    const feeds = new Map<string, PhoneFeed>();
    for (const [id, { ari }] of servers) {
      const feed = new PhoneFeed({ endpoints: deps.phones.endpointsOn(id), queue: deps.queue, changed: () => deps.handoff.kick(), logger: log.child({ server: id }) });
      feeds.set(id, feed);
      // listening before ARI connects: the first `connected` subscribes to the agents' endpoints
      const endpoints = new AriPhones({ ari, phones: feed, logger: log.child({ server: id }) });
      endpoints.start();
      parts.addStop(() => endpoints.stop());
    }
    await connectAri(servers, parts, log);
    for (const [id, { ami, calls }] of servers) {
      if (!ami) continue;
      const sync = new AmiSync({
        ami,
        phones: feeds.get(id)!,
        calls,
        callerCdr: (channelId, cdr) => deps.desk.callerCdr(channelId, cdr),
        reconcileEveryMs: deps.config.reconcileInterval * 1000,
        logger: log.child({ server: id }),
      });
      sync.start();
      parts.addStop(() => sync.stop());
      await ami.start({ keepTrying: true }).catch((err) => log.warn({ err, server: id }, "AMI not connected; retrying in the background (agent phone states from ARI only until then)"));
      parts.addStop(() => ami.stop());
    }
    return { checks: healthChecks(servers), stop: () => parts.stop() };
  });
}

/**
 * A wrong password stops the daemon; with several servers, one that cannot be reached must not keep the
 * daemon from serving the others: its ARI goes on trying in the background.
 */
async function connectAri(servers: ReadonlyMap<string, Link>, parts: RunningParts, log: Logger): Promise<void> {
  const several = servers.size > 1;
  for (const { ari } of servers.values()) parts.addStop(() => ari.stop());
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
}

function healthChecks(servers: ReadonlyMap<string, Link>): HealthCheck[] {
  return [...servers].flatMap(([id, { ari, ami }]) => [
    { name: `ari:${id}`, required: true, status: () => ({ ok: ari.isConnected, detail: ari.state }) },
    ...(ami ? [{ name: `ami:${id}`, required: false, status: () => ({ ok: ami.isConnected, detail: ami.state }) }] : []),
  ]);
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
