import WebSocket from "ws";
import type { ScreenPop } from "../../cti/pop.js";
import { CTI_SUBPROTOCOL, WS_PATH, type ClientMessage, type ServerMessage } from "../../cti/protocol.js";
import type { Logger } from "../../lib/logger.js";
import { SeededRandom } from "../../lib/seeded-random.js";

/**
 * The synthetic agents' desktops: each logs in over the agent API a person's browser uses (POST
 * /api/agent/login, then the agent WebSocket) and behaves as a person at the desk would. The call's card
 * comes while the phone rings (`ringing`): the person sees it, acknowledges it and reads the top offer;
 * the phone is answered (the scenario's agent phone picks up after its answer delay) and the card of the
 * answer (`pop`) comes; in the conversation the top offer gets its answer (declined, interested: a lead,
 * sold: a sale), and in wrap-up the call its disposition, which is what fills the demo's leads, sales and
 * history. A ring that ends unanswered takes the card away. A missed call pauses an agent; a person
 * notices and goes available again after a minute or two, and so does this desk.
 */

export interface DeskHabits {
  /** Seconds paused before going available again: drawn uniformly. */
  pauseSeconds: [number, number];
  /** Seconds from the answer to the top offer's outcome (the pitch). */
  outcomeSeconds: [number, number];
  /** Shares of top offers marked interested, and sold. */
  interested: number;
  sold: number;
  /** Seconds into wrap-up before the disposition is sent. */
  dispositionSeconds: [number, number];
}

export const PERSON_LIKE: DeskHabits = { pauseSeconds: [60, 120], outcomeSeconds: [8, 25], interested: 0.3, sold: 0.15, dispositionSeconds: [2, 6] };

const RECONNECT_MS = 5000;

export interface DeskOptions {
  baseUrl: string;
  agentId: string;
  password: string;
  seed: number;
  habits?: DeskHabits;
  log: Logger;
}

export class SyntheticDesk {
  private ws: WebSocket | undefined;
  private stopped = false;
  private returning: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The calls on the desk: their card, and whether the phone still rings for them. */
  private readonly calls = new Map<string, { pop: ScreenPop; ringing: boolean }>();
  /** What the person made of each call's top offer, read while the phone rang. */
  private readonly verdicts = new Map<string, "declined" | "interested" | "sold">();
  /** Calls whose top offer has its answer coming. */
  private readonly offered = new Set<string>();
  private readonly rng: SeededRandom;
  private readonly habits: DeskHabits;
  private requests = 0;

  constructor(private readonly o: DeskOptions) {
    this.rng = new SeededRandom(o.seed);
    this.habits = o.habits ?? PERSON_LIKE;
  }

  /** Logs in and connects; rejects when the login is refused. */
  async start(): Promise<void> {
    const res = await fetch(`${this.o.baseUrl}/api/agent/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agentId: this.o.agentId, password: this.o.password }),
    });
    if (!res.ok) throw new Error(`agent ${this.o.agentId}: desktop login refused (HTTP ${res.status})`);
    const { token } = (await res.json()) as { token: string };
    const ws = new WebSocket(`${this.o.baseUrl.replace(/^http/, "ws")}${WS_PATH}`, [CTI_SUBPROTOCOL, token]);
    this.ws = ws;
    ws.on("message", (data) => this.onMessage(JSON.parse(String(data)) as ServerMessage));
    ws.on("error", (err) => this.o.log.debug({ agentId: this.o.agentId, err: err.message }, "synthetic desk socket error"));
    ws.on("close", () => {
      if (this.stopped) return;
      // the daemon went away for a moment: log in again, as the page does
      this.after(RECONNECT_MS, () => void this.start().catch((err: Error) => this.o.log.debug({ agentId: this.o.agentId, err: err.message }, "synthetic desk not reconnected")));
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
  }

  /** Stops acting and closes the socket. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ws?.close(1000, "demo stopping");
  }

  private onMessage(m: ServerMessage): void {
    switch (m.type) {
      case "welcome":
        if (m.status?.state === "paused") this.comeBackLater(m.status.reason);
        return;
      case "status":
        if (m.state === "paused") return this.comeBackLater(m.reason);
        this.cancelReturn();
        if (m.state === "wrapup") this.disposeAll();
        return;
      case "ringing":
        this.onRinging(m.pop);
        return;
      case "pop":
        this.onAnswered(m.pop);
        return;
      case "popCleared":
        this.forget(m.callId);
        return;
      case "error":
        this.o.log.debug({ agentId: this.o.agentId, message: m.message }, "synthetic desk request refused");
        return;
      default:
        return;
    }
  }

  private comeBackLater(reason: string | undefined): void {
    if (this.returning) return;
    const seconds = this.between(this.habits.pauseSeconds);
    this.returning = this.after(seconds * 1000, () => {
      this.returning = undefined;
      this.send({ type: "state", state: "available" });
      this.o.log.info({ agentId: this.o.agentId, detail: `agent ${this.o.agentId} available again after ${Math.round(seconds)} s paused (${reason ?? "paused"})` }, "agent back from a pause");
    });
  }

  private cancelReturn(): void {
    if (!this.returning) return;
    clearTimeout(this.returning);
    this.timers.delete(this.returning);
    this.returning = undefined;
  }

  /** The phone rings: the card is seen (acknowledged) and its top offer read; nothing is recorded before the answer. */
  private onRinging(pop: ScreenPop): void {
    const known = this.calls.has(pop.callId);
    this.calls.set(pop.callId, { pop, ringing: true });
    if (known) return;
    this.send({ type: "ack", callId: pop.callId });
    this.read(pop);
  }

  /** The phone was answered (the card of the answer, composed again): the conversation, in which the top offer gets its answer. */
  private onAnswered(pop: ScreenPop): void {
    const known = this.calls.has(pop.callId);
    this.calls.set(pop.callId, { pop, ringing: false });
    // a card that never rang here (a desk that logged in mid-call) is seen now
    if (!known) this.send({ type: "ack", callId: pop.callId });
    this.read(pop);
    this.answerOffer(pop);
  }

  /** What the person makes of the top offer, decided once per call on reading the card. */
  private read(pop: ScreenPop): void {
    if (!pop.offers[0] || this.verdicts.has(pop.callId)) return;
    const r = this.rng.next();
    this.verdicts.set(pop.callId, r < this.habits.sold ? "sold" : r < this.habits.sold + this.habits.interested ? "interested" : "declined");
  }

  /** In the conversation, the top offer gets its answer (once per call), after the time it takes to pitch it. */
  private answerOffer(pop: ScreenPop): void {
    const top = pop.offers[0];
    const outcome = this.verdicts.get(pop.callId);
    if (!top || !outcome || this.offered.has(pop.callId)) return;
    this.offered.add(pop.callId);
    this.after(this.between(this.habits.outcomeSeconds) * 1000, () => {
      if (this.calls.get(pop.callId)?.ringing === false) this.send({ type: "outcome", callId: pop.callId, offerId: top.id, outcome });
    });
  }

  /** Wrap-up: every answered call still on the desk gets its disposition, after a moment's typing. */
  private disposeAll(): void {
    for (const [callId, call] of this.calls) {
      if (call.ringing) continue;
      this.after(this.between(this.habits.dispositionSeconds) * 1000, () => {
        if (this.calls.has(callId)) this.send({ type: "disposition", callId, disposition: "resolved" });
        this.forget(callId);
      });
    }
  }

  private forget(callId: string): void {
    this.calls.delete(callId);
    this.verdicts.delete(callId);
    this.offered.delete(callId);
  }

  private send(msg: ClientMessage): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ ...msg, id: `d${++this.requests}` }));
  }

  private between([lo, hi]: [number, number]): number {
    return lo + this.rng.next() * (hi - lo);
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }
}
