import type { RawData } from "ws";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import type { AgentChange } from "../queue/types.js";
import type { AgentAuth, AgentLogin } from "./agent-auth.js";
import { clientMessageSchema, CLOSE_AUTH, type ClientMessage, type Disposition, type OfferOutcome } from "./protocol.js";
import { send, type Client } from "./sockets.js";
import type { CtiStore } from "./store.js";

/** What becomes of an authenticated agent's requests (the daemon's queue and desk). */
export interface AgentRequests {
  /** The agent asked for a state change; a rejection is shown to the agent (QueueError messages as they are). */
  onAgentState(agentId: string, change: AgentChange): Promise<void>;
  onOfferOutcome(agentId: string, o: OfferOutcome): Promise<void>;
  /** After it resolves the hub removes the call's pop from the agent's desk. */
  onDisposition(agentId: string, d: Disposition): Promise<void>;
  /** The agent's page confirmed it shows the pop (for pop latency figures). */
  onPopAck?(agentId: string, callId: string): void;
}

export interface ClientMessagesDeps {
  store: CtiStore;
  requests: AgentRequests;
  authenticate(token: string): AgentAuth;
  /** A socket that authenticated with its first message joins its agent's desk. */
  login(client: Client, auth: AgentLogin): Promise<void>;
  log: Logger;
}

/** Errors meant for people (the queue's refusals) carry a code; anything else is logged, not shown. */
const userFacing = (err: unknown): err is Error & { code: string } => {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("SBQ_");
};

/**
 * One socket's messages: a socket that has not authenticated may only send `auth`; an agent's requests
 * are performed and answered with `ok` or `error` bearing the request's id.
 */
export class ClientMessages {
  constructor(private readonly deps: ClientMessagesDeps) {}

  async handle(client: Client, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return send(client, { type: "error", message: "send JSON text frames" });
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return send(client, { type: "error", message: "a message must be a JSON object" });
    }
    const rawId = (json as { id?: unknown } | null)?.id;
    const id = typeof rawId === "string" && rawId.length <= 64 ? { id: rawId } : {};
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      send(client, { type: "error", ...id, message: `invalid message: ${z.prettifyError(parsed.error).replace(/\n+/g, "; ")}` });
      if (!client.agent) client.ws.close(CLOSE_AUTH, "authenticate first");
      return;
    }
    if (!client.agent) return this.authenticate(client, parsed.data, id);
    const msg = parsed.data;
    const agentId = client.agent.id;
    try {
      const refusal = await this.act(agentId, msg);
      send(client, refusal ? { type: "error", ...id, message: refusal } : { type: "ok", ...id, for: msg.type });
    } catch (err) {
      if (userFacing(err)) return send(client, { type: "error", ...id, message: err.message });
      this.deps.log.error({ err, agentId, type: msg.type }, "agent action failed");
      send(client, { type: "error", ...id, message: `could not record ${msg.type}; try again` });
    }
  }

  /** The first message of a socket that did not bring its token in the handshake. */
  private async authenticate(client: Client, msg: ClientMessage, id: { id?: string }): Promise<void> {
    if (msg.type !== "auth") {
      send(client, { type: "error", ...id, message: "authenticate first: send {type: auth, token}" });
      return client.ws.close(CLOSE_AUTH, "authenticate first");
    }
    const auth = this.deps.authenticate(msg.token);
    if (!auth.ok) {
      this.deps.log.warn({ reason: auth.reason }, "agent websocket refused");
      send(client, { type: "error", ...id, message: auth.reason });
      return client.ws.close(CLOSE_AUTH, "session refused");
    }
    await this.deps.login(client, auth);
    send(client, { type: "ok", ...id, for: "auth" });
  }

  /** Performs an authenticated agent's request; a string is a refusal for the agent to read. */
  private async act(agentId: string, msg: ClientMessage): Promise<string | null> {
    const { store, requests } = this.deps;
    switch (msg.type) {
      case "auth":
        return "already authenticated";
      case "state": {
        const change: AgentChange = msg.state === "paused" ? { to: "paused", reason: msg.reason! } : { to: msg.state };
        await requests.onAgentState(agentId, change);
        await store.setStatus(agentId, msg.state === "paused" ? { state: "paused", reason: msg.reason! } : { state: msg.state });
        return null;
      }
      case "ack": {
        if (!(await store.pop(agentId, msg.callId, Date.now()))) return `call ${msg.callId} is not on your desk`;
        this.deps.log.debug({ agentId, callId: msg.callId }, "pop acknowledged");
        requests.onPopAck?.(agentId, msg.callId);
        return null;
      }
      case "outcome": {
        const pop = await store.pop(agentId, msg.callId, Date.now());
        if (!pop) return `call ${msg.callId} is not on your desk`;
        if (!pop.offers.some((o) => o.id === msg.offerId)) return `offer ${msg.offerId} was not made on call ${msg.callId}`;
        await requests.onOfferOutcome(agentId, {
          callId: msg.callId,
          offerId: msg.offerId,
          outcome: msg.outcome,
          ...(msg.amount === undefined ? {} : { amount: msg.amount }),
        });
        return null;
      }
      case "disposition": {
        if (!(await store.pop(agentId, msg.callId, Date.now()))) return `call ${msg.callId} is not on your desk`;
        await requests.onDisposition(agentId, {
          callId: msg.callId,
          disposition: msg.disposition,
          ...(msg.notes === undefined ? {} : { notes: msg.notes }),
          ...(msg.wrapUpSeconds === undefined ? {} : { wrapUpSeconds: msg.wrapUpSeconds }),
        });
        await store.clearPop(agentId, msg.callId);
        return null;
      }
    }
  }
}
