import type { Config } from "../config/schema.js";
import { sessionSecretFrom } from "../cti/config.js";
import type { Logger } from "../lib/logger.js";
import { formatDiagnostic } from "../lib/yaml-source/diagnostics.js";
import { loadOffers, type OfferRules } from "../offers/load.js";
import { amiGatewayOptions, ariGatewayOptions, type AmiGatewayOptions, type AriGatewayOptions } from "../telephony/index.js";
import type { AsteriskServerConfig } from "../telephony/config.js";

export class DaemonConfigError extends Error {}

/** One Asterisk server's gateway options, secrets read. */
export interface GatewaySettings {
  server: AsteriskServerConfig;
  ari: AriGatewayOptions;
  ami: AmiGatewayOptions | undefined;
}

/** What the daemon reads from the environment and the rules file before anything starts. */
export interface DaemonSettings {
  gateways: GatewaySettings[];
  /** Where an agent's phone registers unless `agents[].server` says otherwise: the first server. */
  homeServer: string;
  adminToken: string | undefined;
  /** Without it the agent desktop stays off (as the admin API does without its token). */
  sessionSecret: string | undefined;
  /** Bearer token of /metrics; without it /metrics answers 503. */
  metricsToken: string | undefined;
  offerRules: OfferRules;
}

/** Read first: a missing password or a bad offer rule is a config error before anything starts. */
export function readSettings(config: Config, env: NodeJS.ProcessEnv, log: Logger): DaemonSettings {
  const first = config.asterisk[0];
  if (!first) throw new DaemonConfigError("no Asterisk server configured (asterisk: [...] in the config); try `switchboard demo` for the built-in simulator");
  const gateways = config.asterisk.map((server) => ({
    server,
    ari: ariGatewayOptions(server, env, log),
    ami: server.ami ? amiGatewayOptions(server, env, log) : undefined,
  }));
  const adminToken = env[config.http.adminToken.env] || undefined;
  const sessionSecret = env[config.cti.sessionSecret.env] ? sessionSecretFrom(config.cti, env) : undefined;
  const offers = loadOffers(config.offers.rules);
  if (!offers.ok) throw new DaemonConfigError(`offer rules do not validate:\n${offers.diagnostics.map(formatDiagnostic).join("\n")}`);
  const metricsToken = env[config.metrics.prometheus.token.env] || undefined;
  return { gateways, homeServer: first.id, adminToken, sessionSecret, metricsToken, offerRules: offers.rules };
}
