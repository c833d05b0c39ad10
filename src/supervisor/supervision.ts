import type { Redis } from "ioredis";
import { CallRecordings } from "../calls/call-recording.js";
import { CallSupervision } from "../calls/listen.js";
import { LiveCalls } from "../calls/live-calls.js";
import type { Logger } from "../lib/logger.js";
import { AriGateway, type AriGatewayOptions } from "../telephony/index.js";
import { recordingUrl, type SupervisionDesk } from "./calls-routes.js";
import type { SupervisionConfig } from "./config.js";

/**
 * The supervision's parts for one daemon: a gateway per Asterisk server for the supervision app (the
 * supervisors' phones and the snoop channels enter it, never the calls' app), the live calls read from
 * Redis, the listening, and the recordings with their retention sweeper. The recordings follow the calls'
 * own gateways (`calls`): the recording events go to the app the conversation's bridge belongs to.
 */

export interface SupervisionParts {
  desk: SupervisionDesk;
  /** The calls' recordings: `recordings.of(callId)` names the recording a call's history entry links to. */
  recordings: CallRecordings;
  /** The link a call's history entry carries: its recording, unless none was made (not asked, or the caller left while being told). */
  recordingLink(callId: string): Promise<{ id: string; url: string } | null>;
  stop(): Promise<void>;
}

export function startSupervision(deps: {
  config: SupervisionConfig;
  /** The calls' ARI gateway options per server (the supervision app's gateways are made from them). */
  gateways: ReadonlyArray<{ ari: AriGatewayOptions }>;
  /** The calls' own gateways, by server id. */
  calls: ReadonlyMap<string, { ari: AriGateway }>;
  redis: Redis;
  keyPrefix: string;
  names?: SupervisionDesk["names"];
  log: Logger;
}): SupervisionParts {
  const { config, log } = deps;
  const lines = new Map(deps.gateways.map((g) => [g.ari.serverId, new AriGateway({ ...g.ari, app: config.app })]));
  for (const [id, ari] of lines) void ari.start({ keepTrying: true }).catch((err) => log.warn({ err, server: id }, "supervision app not registered; retrying in the background"));
  const listen = new CallSupervision({ lines, ringTimeoutSeconds: config.ringTimeout, logger: log });
  listen.start();
  const recordings = new CallRecordings({ lines: new Map([...deps.calls].map(([id, s]) => [id, s.ari])), redis: deps.redis, keyPrefix: deps.keyPrefix, settings: config.recording, logger: log });
  recordings.start();
  const sweeper = setInterval(() => void recordings.sweep().catch((err) => log.warn({ err }, "recording sweep failed")), config.recording.sweepInterval * 1000);
  sweeper.unref();
  return {
    desk: { calls: new LiveCalls(deps.redis, deps.keyPrefix), listen, recordings, ...(deps.names ? { names: deps.names } : {}) },
    recordings,
    async recordingLink(callId) {
      const r = await recordings.of(callId);
      // "recording": the conversation is over and its RecordingFinished is on its way; the file is served once stored
      return r && (r.state === "recording" || r.state === "done") ? { id: r.name, url: recordingUrl(r.name) } : null;
    },
    async stop() {
      clearInterval(sweeper);
      recordings.stop();
      await listen.stop();
      await Promise.all([...lines.values()].map((ari) => ari.stop()));
    },
  };
}
