import type { AgentState } from "../queue/agent-states.js";
import type { CtiHub } from "../cti/hub.js";

/** A consultation on an agent's desk: one per agent and call. */
const consultKey = (agentId: string, callId: string) => `${agentId} ${callId}`;

/**
 * The phone lines on the agents' desks, as the desk sees them move: a pop shown while the phone rings
 * (ringing), the answer (talking), the end of the conversation (ended: the agent went to wrap-up or on),
 * a ring that did not become a conversation (its pop goes), and a consulted agent's card of the caller
 * during a consultation (marked with who consults them, gone if it falls through). Each agent's pops and
 * lines are put up one piece at a time, in the order the hand-off told of them (ring, answer, end), so a
 * slow one never lands after the moment that made it stale.
 */
export class DeskLines {
  private readonly chains = new Map<string, Promise<void>>();
  /** Calls whose pop went up while ringing, by call id: the agent rung. */
  private readonly rung = new Map<string, string>();
  /** Calls on a consulted agent's desk for a consultation (not theirs yet), by agent and call (`consultKey`): who consults them. */
  private readonly consults = new Map<string, string>();

  constructor(private readonly hub: () => CtiHub | undefined) {}

  /** Runs `work` after the agent's earlier pop work; its failure is the caller's to handle and never stops the next. */
  run(agentId: string, work: () => Promise<void>): Promise<void> {
    const done = (this.chains.get(agentId) ?? Promise.resolve()).then(work);
    const next = done.catch(() => undefined);
    this.chains.set(agentId, next);
    void next.then(() => {
      if (this.chains.get(agentId) === next) this.chains.delete(agentId);
    });
    return done;
  }

  /** The pop is up while the phone rings. */
  async ringing(agentId: string, callId: string): Promise<void> {
    this.rung.set(callId, agentId);
    await this.hub()?.patchLine(agentId, callId, { state: "ringing", held: false, muted: false, ringingAt: Date.now() });
  }

  /** A preview (preview pacing): the card is up, nothing dialled, the agent to choose Call or Skip by `until`. */
  async preview(agentId: string, callId: string, until: number): Promise<void> {
    this.rung.set(callId, agentId);
    await this.hub()?.patchLine(agentId, callId, { state: "preview", held: false, muted: false, ringingAt: Date.now(), previewUntil: until });
  }

  /** Caller and agent talk; resolves with who consulted the agent when the call came to them from a consultation. */
  async talking(agentId: string, callId: string): Promise<string | undefined> {
    this.rung.delete(callId);
    const from = this.consults.get(consultKey(agentId, callId));
    this.consults.delete(consultKey(agentId, callId));
    await this.hub()?.patchLine(agentId, callId, { state: "talking", answeredAt: Date.now(), ...(from !== undefined ? { consultFrom: null } : {}) });
    return from;
  }

  /** A consultation starts for `agentId` (marked at once, so work queued behind can tell whether it still stands). */
  consulting(agentId: string, callId: string, from: string): void {
    this.consults.set(consultKey(agentId, callId), from);
  }

  /** Whether the call is (still) a consultation on the agent's desk. */
  consulted(agentId: string, callId: string): boolean {
    return this.consults.has(consultKey(agentId, callId));
  }

  /** The consultation is over for the agent (fell through): true when it was theirs. */
  unconsult(agentId: string, callId: string): boolean {
    return this.consults.delete(consultKey(agentId, callId));
  }

  /** The consulted agent's line: ringing for the consultation, or talking in it (never started anew then). */
  async consultLine(agentId: string, callId: string, state: "ringing" | "talking"): Promise<void> {
    const from = this.consults.get(consultKey(agentId, callId)) ?? null;
    const hub = this.hub();
    if (state === "ringing") await hub?.patchLine(agentId, callId, { state, held: false, muted: false, ringingAt: Date.now(), consultFrom: from });
    else await hub?.patchLine(agentId, callId, { state, answeredAt: Date.now(), consultFrom: from }, false);
  }

  /**
   * The queue moved the agent on (not ringing, not on a call): a line still ringing was not answered, a
   * preview not chosen and a consultation is over (their pops go), a line talking has ended.
   */
  async settle(agentId: string, state: AgentState): Promise<void> {
    const hub = this.hub();
    if (!hub || state === "ringing" || state === "oncall") return;
    for (const line of await hub.lines(agentId)) {
      if (line.state === "ringing" || line.state === "preview" || line.consultFrom) {
        this.rung.delete(line.callId);
        this.unconsult(agentId, line.callId);
        await hub.clearPop(agentId, line.callId);
      } else if (line.state === "talking") await hub.patchLine(agentId, line.callId, { state: "ended", held: false, endedAt: Date.now() }, false);
    }
  }

  /** The agent whose desk shows the call as ringing (the caller left before anyone answered), if any. */
  ringingFor(callId: string): string | undefined {
    return this.rung.get(callId);
  }

  /** The call is over here: a ringing pop for it goes. True when there was one. */
  async gone(callId: string): Promise<boolean> {
    const agentId = this.rung.get(callId);
    if (agentId === undefined) return false;
    this.rung.delete(callId);
    const hub = this.hub();
    const line = (await hub?.lines(agentId))?.find((l) => l.callId === callId);
    if (!hub || line?.state !== "ringing") return false;
    await hub.clearPop(agentId, callId);
    return true;
  }
}
