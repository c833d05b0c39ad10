import type { RawData } from "ws";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import type { AgentChange } from "../queue/types.js";
import type { AgentAuth, AgentLogin } from "./agent-auth.js";
import type { ScreenPop } from "./pop.js";
import { clientMessageSchema, CLOSE_AUTH, type ClientMessage, type DeskMenu, type Disposition, type LinePatch, type OfferOutcome, type PhoneAction } from "./protocol.js";
import { refusedMove } from "./state-words.js";
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
  /** A soft-phone control on the agent's call; resolves with what changed on the line (held, muted). */
  onPhone?(agentId: string, callId: string, action: PhoneAction): Promise<LinePatch>;
  /** A blind transfer of the agent's caller to a queue or an agent; resolves with what the agent reads ("Transferred to Billing"). */
  onTransfer?(agentId: string, callId: string, target: { queue: string } | { agent: string }): Promise<string>;
  /** A consultation with an agent or a queue's agent, the caller on hold; its course shows on the call's line. */
  onConsult?(agentId: string, callId: string, target: { queue: string } | { agentId: string }): Promise<string>;
  /** The call ringing on the agent's phone, answered from the desk. */
  onAccept?(agentId: string, callId: string): Promise<string>;
  /** The agent's choice on a preview: what they read, and whether the dial started. */
  onPreview?(agentId: string, callId: string, choice: "call" | "skip"): Promise<{ text: string; calling: boolean }>;
}

export interface ClientMessagesDeps {
  store: CtiStore;
  requests: AgentRequests;
  authenticate(token: string): AgentAuth;
  /** A socket that authenticated with its first message joins its agent's desk. */
  login(client: Client, auth: AgentLogin): Promise<void>;
  /** The wrap-up codes and transfer targets; without one any disposition code is taken and nothing is transferred. */
  menu?: DeskMenu | undefined;
  log: Logger;
}

/** Errors meant for people (the queue's refusals, the soft-phone's) carry a code; anything else is logged, not shown. */
const userFacing = (err: unknown): err is Error & { code: string } => {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === "string" && (code.startsWith("SBQ_") || code.startsWith("SBP_"));
};

const NOT_ANSWERED = "the call has not been answered yet: this can be recorded once you are on the line";
const money = (v: number, currency: string) => `${v.toFixed(2)} ${currency}`;
const callerOf = (pop: ScreenPop) => pop.callerName ?? pop.callerNumber;

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
      if (userFacing(err)) return send(client, { type: "error", ...id, message: refusedMove(err.message) ?? err.message });
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
        const onDesk = await store.deskPop(agentId, msg.callId, Date.now());
        if (!onDesk) return `call ${msg.callId} is not on your desk`;
        if (onDesk.ringing) return this.notYet(agentId, msg.callId, NOT_ANSWERED);
        const pop = onDesk.pop;
        if (!pop.offers.some((o) => o.id === msg.offerId)) return `offer ${msg.offerId} was not made on call ${msg.callId}`;
        await requests.onOfferOutcome(agentId, {
          callId: msg.callId,
          offerId: msg.offerId,
          outcome: msg.outcome,
          ...(msg.amount === undefined ? {} : { amount: msg.amount }),
        });
        const offer = pop.offers.find((o) => o.id === msg.offerId)!;
        const text = msg.outcome === "sold" ? `Recorded: sold for ${money(msg.amount ?? offer.value, offer.currency)}` : `Recorded: ${msg.outcome}`;
        await store.publish(agentId, { type: "recorded", callId: msg.callId, what: "outcome", offerId: msg.offerId, outcome: msg.outcome, text });
        return null;
      }
      case "disposition": {
        const onDesk = await store.deskPop(agentId, msg.callId, Date.now());
        if (!onDesk) return `call ${msg.callId} is not on your desk`;
        if (onDesk.ringing) return this.notYet(agentId, msg.callId, NOT_ANSWERED);
        const pop = onDesk.pop;
        const code = this.deps.menu?.wrapUpCodes.find((c) => c.code === msg.disposition);
        if (this.deps.menu && !code) return `"${msg.disposition}" is not one of the wrap-up codes`;
        await requests.onDisposition(agentId, {
          callId: msg.callId,
          disposition: msg.disposition,
          ...(msg.notes === undefined ? {} : { notes: msg.notes }),
          ...(msg.wrapUpSeconds === undefined ? {} : { wrapUpSeconds: msg.wrapUpSeconds }),
        });
        // told before the card goes, so every tab can say what became of it
        const text = `Saved "${code?.label ?? msg.disposition}" for the call from ${callerOf(pop)}`;
        await store.publish(agentId, { type: "recorded", callId: msg.callId, what: "disposition", text });
        await store.clearPop(agentId, msg.callId);
        return null;
      }
      case "phone":
      case "transfer":
      case "consult":
        return this.phone(agentId, msg);
      case "accept":
        return this.accept(agentId, msg.callId);
      case "preview":
        return this.preview(agentId, msg.callId, msg.choice);
    }
  }

  /** Call or Skip on a card in preview; anything but a dial takes the card off the desk. */
  private async preview(agentId: string, callId: string, choice: "call" | "skip"): Promise<string | null> {
    const { store, requests } = this.deps;
    const line = (await store.lines(agentId)).find((l) => l.callId === callId);
    const onDesk = await store.deskPop(agentId, callId, Date.now());
    if (line?.state !== "preview" || !onDesk) return `call ${callId} is not waiting for you to call or skip it`;
    if (!requests.onPreview) return "previews cannot be answered on this server";
    const r = await requests.onPreview(agentId, callId, choice);
    // the card knows the customer's name (the call back may carry only the number)
    const text = choice === "skip" ? `Skipped: ${onDesk.pop.customer?.name ?? callerOf(onDesk.pop)} is not called` : r.text;
    await store.publish(agentId, { type: "recorded", callId, what: "preview", text });
    if (r.calling) await store.patchLine(agentId, callId, { state: "ringing", ringingAt: Date.now() }, false);
    else await store.clearPop(agentId, callId);
    return null;
  }

  /** Why a card not live yet cannot be acted on: a consultation's card is the consulting agent's call until they transfer it. */
  private async notYet(agentId: string, callId: string, ringing: string): Promise<string> {
    const from = (await this.deps.store.lines(agentId)).find((l) => l.callId === callId)?.consultFrom;
    return from ? `this call is still ${from}'s: it is yours once they transfer it` : ringing;
  }

  /** Answering from the desk: only a call ringing on the agent's phone. */
  private async accept(agentId: string, callId: string): Promise<string | null> {
    const onDesk = await this.deps.store.deskPop(agentId, callId, Date.now());
    if (!onDesk) return `call ${callId} is not on your desk`;
    if (!onDesk.ringing) return "this call is not ringing: it is on your line already";
    if (!this.deps.requests.onAccept) return "calls cannot be answered from the desktop on this server: pick up your phone";
    await this.deps.requests.onAccept(agentId, callId);
    return null;
  }

  /** The soft-phone: the call must be on the agent's desk; what changed goes to every tab. */
  private async phone(agentId: string, msg: Extract<ClientMessage, { type: "phone" | "transfer" | "consult" }>): Promise<string | null> {
    const { store, requests, menu } = this.deps;
    const onDesk = await store.deskPop(agentId, msg.callId, Date.now());
    if (!onDesk) return `call ${msg.callId} is not on your desk`;
    if (onDesk.ringing) return this.notYet(agentId, msg.callId, "the call has not been answered yet: answer it on your phone first");
    if (msg.type === "phone") {
      if (!requests.onPhone) return "the soft-phone is not available on this server";
      const patch = await requests.onPhone(agentId, msg.callId, msg.action);
      if (Object.keys(patch).length) await store.patchLine(agentId, msg.callId, patch, false);
      return null;
    }
    const offered = msg.agent !== undefined ? menu?.agents?.some((a) => a.id === msg.agent && a.id !== agentId) : menu?.transferQueues.some((q) => q.id === msg.queue);
    const where = msg.agent ?? msg.queue;
    if (msg.type === "consult") {
      if (!requests.onConsult || !offered) return `"${where}" cannot be consulted from the desktop`;
      await requests.onConsult(agentId, msg.callId, msg.agent !== undefined ? { agentId: msg.agent } : { queue: msg.queue! });
      return null;
    }
    if (!requests.onTransfer || !offered) return `calls cannot be transferred to "${where}" from the desktop`;
    const text = await requests.onTransfer(agentId, msg.callId, msg.agent !== undefined ? { agent: msg.agent } : { queue: msg.queue! });
    // the agent's part of the call is over: the desk wrote its history entry, the card goes
    await store.publish(agentId, { type: "recorded", callId: msg.callId, what: "transfer", text });
    await store.clearPop(agentId, msg.callId);
    return null;
  }
}
