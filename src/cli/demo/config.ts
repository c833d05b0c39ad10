import { randomBytes } from "node:crypto";
import { configSchema, type Config } from "../../config/schema.js";
import { jobsConfigSchema } from "../../jobs/config.js";

/**
 * The config file's settings turned into the demo's: the simulator as the Asterisk server, the demo's
 * Redis, a loopback HTTP port, one password for every agent and a supervisor of its own, the webhooks
 * pointed at the demo's local sink. Every secret is made for the run and reaches the daemon through the
 * environment it is started with, as in production; none is written anywhere.
 */

export const ARI_USER = "switchboard";
export const SUPERVISOR = "sup-demo";
const ENV = {
  ari: "SWITCHBOARD_DEMO_ARI_PASSWORD",
  session: "SWITCHBOARD_DEMO_SESSION_SECRET",
  admin: "SWITCHBOARD_DEMO_ADMIN_TOKEN",
  metrics: "SWITCHBOARD_DEMO_METRICS_TOKEN",
} as const;

/** The secrets of one run. */
export interface DemoSecrets {
  ariPassword: string;
  sessionSecret: string;
  adminToken: string;
  metricsToken: string;
  /** The desktop password of every demo agent, and the supervisor's; shown on the terminal, never logged. */
  agentPassword: string;
  supervisorPassword: string;
  /** By webhook name (leads, sales, history, ...): its HMAC secret. */
  webhooks: Record<string, string>;
}

const secret = (bytes: number) => randomBytes(bytes).toString("base64url");

/**
 * The webhook names the jobs' config knows (leads, sales, history, and any added since): read from its
 * schema so that a new one is configured for the demo without touching this file.
 */
export function webhookNames(): string[] {
  const webhooks = jobsConfigSchema.shape.webhooks as unknown as { unwrap?: () => { shape?: Record<string, unknown> } };
  const shape = webhooks.unwrap?.().shape;
  return shape ? Object.keys(shape) : ["leads", "sales", "history"];
}

export function makeSecrets(): DemoSecrets {
  return {
    ariPassword: secret(18),
    sessionSecret: secret(32),
    adminToken: secret(18),
    metricsToken: secret(18),
    agentPassword: secret(6),
    supervisorPassword: secret(6),
    webhooks: Object.fromEntries(webhookNames().map((n) => [n, secret(24)])),
  };
}

const webhookEnv = (name: string) => `SWITCHBOARD_DEMO_WEBHOOK_${name.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}_SECRET`;

/** The environment the daemon reads its secrets from: the process's own plus the run's. */
export function demoEnv(s: DemoSecrets): NodeJS.ProcessEnv {
  const hooks = Object.fromEntries(Object.entries(s.webhooks).map(([n, v]) => [webhookEnv(n), v]));
  return { ...process.env, [ENV.ari]: s.ariPassword, [ENV.session]: s.sessionSecret, [ENV.admin]: s.adminToken, [ENV.metrics]: s.metricsToken, ...hooks };
}

export interface DemoWiring {
  sim: { ariUrl: string; host: string; amiPort: number };
  redisUrl: string;
  app: string;
  port: number;
  /** Hashes of the agents' and the supervisor's passwords. */
  agentHash: string;
  supervisorHash: string;
  /** The local sink's address of a webhook name. */
  sinkUrl(name: string): string;
}

export function demoConfig(base: Config, w: DemoWiring, s: DemoSecrets): Config {
  const webhooks = Object.fromEntries(Object.keys(s.webhooks).map((n) => [n, { url: w.sinkUrl(n), secretEnv: webhookEnv(n) }]));
  return configSchema.parse({
    ...base,
    agents: base.agents.map((a) => ({ ...a, passwordHash: w.agentHash })),
    supervisors: [...base.supervisors, { id: SUPERVISOR, name: "Demo Supervisor", passwordHash: w.supervisorHash }],
    cti: { ...base.cti, sessionSecret: { env: ENV.session } },
    http: { ...base.http, host: "127.0.0.1", port: w.port, adminToken: { env: ENV.admin } },
    metrics: { ...base.metrics, prometheus: { ...base.metrics.prometheus, token: { env: ENV.metrics } } },
    redis: { ...base.redis, url: w.redisUrl },
    jobs: { ...base.jobs, webhooks },
    asterisk: [
      {
        id: "sim",
        ari: { url: w.sim.ariUrl, username: ARI_USER, password: { env: ENV.ari }, app: w.app },
        ami: { host: w.sim.host, port: w.sim.amiPort, username: ARI_USER, secret: { env: ENV.ari } },
      },
    ],
  });
}
