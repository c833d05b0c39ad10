import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import type { Redis } from "ioredis";
import WebSocket from "ws";
import { agentsConfigSchema, type AgentsConfig } from "../../src/cti/config.js";
import { createCtiHub, type CtiHub } from "../../src/cti/hub.js";
import { loginConfigSchema } from "../../src/cti/login-config.js";
import { hashPassword } from "../../src/cti/password.js";
import type { ScreenPop } from "../../src/cti/pop.js";
import { CTI_SUBPROTOCOL } from "../../src/cti/protocol.js";
import type { DeskMenu, Disposition, LinePatch, OfferOutcome, PhoneAction } from "../../src/cti/protocol.js";
import { agentRouter } from "../../src/cti/router.js";
import { issueSession } from "../../src/cti/session.js";
import type { AgentChange } from "../../src/queue/types.js";

export const SECRET = "test-session-secret-0123456789-abcdef";
export const silent = pino({ level: "silent" });
/**
 * The login counts of the desks these tests start: three tries for an id from one address, then a minute
 * (doubling), so no test waits its way past a lock; the rest as configured by default.
 */
export const TEST_LOGIN = loginConfigSchema.parse({ agentAddress: { free: 3, delay: 60, maxDelay: 3600 } });
/** Cheap scrypt cost for tests: the format and the checks are the same. */
const FAST = { N: 1024, r: 8, p: 1 };

export async function testAgents(): Promise<AgentsConfig> {
  return agentsConfigSchema.parse([
    { id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash: await hashPassword("alex-password", FAST) },
    { id: "1002", name: "Sam Patel", endpoint: "PJSIP/1002", queues: ["support"], passwordHash: await hashPassword("sam-password", FAST) },
    { id: "1003", name: "No Desk", endpoint: "PJSIP/1003", queues: ["support"] },
  ]);
}

export const tokenFor = (agentId: string, hours = 1) => issueSession(SECRET, agentId, { hours }).token;

/** What the hub handed to the daemon's hooks. */
export interface Recorded {
  states: Array<[string, AgentChange]>;
  outcomes: Array<[string, OfferOutcome]>;
  dispositions: Array<[string, Disposition]>;
  acks: Array<[string, string]>;
  phone: Array<[string, string, PhoneAction]>;
  transfers: Array<[string, string, string]>;
}

export interface Desk {
  url: string;
  hub: CtiHub;
  recorded: Recorded;
  close(): Promise<void>;
}

/** A daemon-like HTTP server on loopback: the agent router and the hub wired the way the daemon wires them. */
export async function startDesk(
  redis: Redis,
  prefix: string,
  agents: AgentsConfig,
  opts: { allowedOrigins?: string[]; refuseStates?: boolean; logger?: Logger; menu?: DeskMenu; phone?: (action: PhoneAction) => LinePatch } = {},
): Promise<Desk> {
  const recorded: Recorded = { states: [], outcomes: [], dispositions: [], acks: [], phone: [], transfers: [] };
  const app = express();
  app.use(agentRouter({ agents, sessionSecret: SECRET, sessionHours: 1, logger: silent, redis, keyPrefix: prefix, policy: TEST_LOGIN }));
  const server = http.createServer(app);
  const hub = createCtiHub({
    server,
    redis,
    keyPrefix: prefix,
    agents,
    sessionSecret: SECRET,
    sessionHours: 1,
    allowedOrigins: opts.allowedOrigins ?? [],
    popTtlSeconds: 600,
    logger: opts.logger ?? silent,
    onAgentState: async (id, change) => {
      recorded.states.push([id, change]);
    },
    onOfferOutcome: async (id, o) => {
      recorded.outcomes.push([id, o]);
    },
    onDisposition: async (id, d) => {
      recorded.dispositions.push([id, d]);
    },
    onPopAck: (id, callId) => recorded.acks.push([id, callId]),
    ...(opts.menu ? { menu: opts.menu } : {}),
    ...(opts.phone
      ? {
          onPhone: async (id: string, callId: string, action: PhoneAction) => {
            recorded.phone.push([id, callId, action]);
            return opts.phone!(action);
          },
          onTransfer: async (id: string, callId: string, target: { queue: string } | { agent: string }) => {
            const to = "queue" in target ? target.queue : `agent:${target.agent}`;
            recorded.transfers.push([id, callId, to]);
            return `Transferred to ${to}`;
          },
        }
      : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  await hub.ready();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hub,
    recorded,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Msg = Record<string, unknown> & { type: string };

/** A real ws client that keeps every message and lets a test wait for the next one of a kind. */
export class AgentClient {
  readonly messages: Msg[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.messages.push(JSON.parse(String(data)) as Msg);
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Opens the socket; rejects with the HTTP status when the server refuses the upgrade. */
  static open(baseUrl: string, opts: { origin?: string | null; protocolToken?: string } = {}): Promise<AgentClient> {
    const url = `${baseUrl.replace(/^http/, "ws")}/agent/ws`;
    const origin = opts.origin === undefined ? baseUrl : opts.origin;
    const protocols = opts.protocolToken ? [CTI_SUBPROTOCOL, opts.protocolToken] : [CTI_SUBPROTOCOL];
    const ws = new WebSocket(url, protocols, origin === null ? {} : { origin });
    return new Promise((resolve, reject) => {
      ws.once("unexpected-response", (_req, res) => {
        reject(new RefusedError(res.statusCode ?? 0));
        ws.terminate();
      });
      ws.once("error", reject);
      ws.once("open", () => resolve(new AgentClient(ws)));
    });
  }

  /** Opens and authenticates with a first `auth` message; resolves after the welcome. */
  static async login(baseUrl: string, agentId: string): Promise<AgentClient> {
    const c = await AgentClient.open(baseUrl);
    c.send({ type: "auth", id: "auth", token: tokenFor(agentId) });
    await c.next("welcome");
    await c.next("ok", (m) => m.id === "auth");
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  /** The first message of `type` not yet taken (bounded by the test timeout). */
  async next(type: string, where: (m: Msg) => boolean = () => true): Promise<Msg> {
    for (;;) {
      const i = this.messages.findIndex((m) => m.type === type && where(m));
      if (i >= 0) return this.messages.splice(i, 1)[0]!;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async closedWith(): Promise<{ code: number; reason: string }> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close();
    await this.closedWith();
  }
}

export class RefusedError extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with ${status}`);
  }
}

/** A pop as composePop would build it, for a caller with two offers. */
export function samplePop(callId: string, fields: Partial<ScreenPop> = {}): ScreenPop {
  return {
    callId,
    callerNumber: "+4930555001",
    callerName: "Carla Diaz",
    customer: null,
    lane: "express",
    laneName: "Priority line",
    express: true,
    queue: "support",
    queueName: "Technical support",
    path: [{ node: "main:menu", choice: "2", label: "Technical problem" }],
    journey: ["Chose Technical problem"],
    reason: "technical",
    waitSeconds: 12,
    callback: null,
    history: [],
    offers: [
      { id: "upgrade-outdated-version", title: "Upgrade to Pro 5.0", kind: "sell-in-call", value: 49, currency: "EUR", priority: 80, facts: ["Pro 4.2 installed, 5.0 current"], pitch: "Version 5.0 fixes this." },
      { id: "warranty-extension", title: "Extend the warranty", kind: "sell-in-call", value: 29, currency: "EUR", priority: 60, facts: ["warranty ends in 12 days"], pitch: "Two more years." },
    ],
    ...fields,
  };
}
