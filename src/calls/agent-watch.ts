import type { Logger } from "../lib/logger.js";
import type { AgentSnapshot, AgentState, CallerQueue } from "../queue/index.js";
import { agentStandings, onCall } from "./agent-ledger.js";
import type { SessionDirectory } from "./session-directory.js";
import type { CallSession } from "./session-store.js";

/**
 * The agents' safety net. The queue may hold an agent ringing or on a call that no daemon will ever end:
 * the daemon that had it was killed between two writes, or the call's session is gone. Every interval
 * the agents in those states are held against the sessions of every server sharing the Redis; an agent
 * whose call no session explains, at two checks in a row (a call being connected saves its session
 * within moments, not within an interval), is released: a ring by abandoning the call's place (the agent
 * is free at once), a call by wrap-up (then available by itself), whose history the desk then writes.
 */

export interface Suspect {
  agentId: string;
  state: "ringing" | "oncall";
  callId: string;
}

const key = (s: Suspect) => `${s.agentId} ${s.state} ${s.callId}`;

/** Agents the queue has busy with a call. */
export function busyAgents(agents: Iterable<AgentSnapshot>): Suspect[] {
  const out: Suspect[] = [];
  for (const a of agents) if ((a.state === "ringing" || a.state === "oncall") && a.callId) out.push({ agentId: a.agentId, state: a.state, callId: a.callId });
  return out;
}

/**
 * Whether a session can still end the agent's part in it: a ring belongs to a caller's session (the queued
 * caller's daemon times it out), a call to the session that has this agent with the caller (not one whose
 * conversation is over while the caller goes on in the tree, e.g. in a post-call survey).
 */
export function explained(s: Suspect, sessions: readonly CallSession[]): boolean {
  return s.state === "ringing" ? sessions.length > 0 : sessions.some((x) => x.agent?.agentId === s.agentId && x.agent.endedAt === undefined);
}

export interface AgentWatchDeps {
  queue: CallerQueue;
  sessions: SessionDirectory;
  intervalMs: number;
  /** A call this daemon runs without a session (a call back being dialled or talking): its agent is explained. */
  active?(callId: string): boolean;
  /** A ring left by a stopped daemon that was a call back: its place is put back (true) instead of abandoned. */
  orphanedCallback?(callId: string): Promise<boolean>;
  logger: Logger;
  /** An agent was released (for the agent's page, the call's history and a dispatch round). */
  released(was: Suspect, now: { state: AgentState; wrapUpUntil?: number }): void;
}

export class AgentWatch {
  private timer: NodeJS.Timeout | undefined;
  /** Unexplained at the last check. */
  private seen = new Set<string>();
  private checking = false;
  private readonly log: Logger;

  constructor(private readonly deps: AgentWatchDeps) {
    this.log = deps.logger.child({ component: "agent-watch" });
  }

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const unexplained: Suspect[] = [];
      for (const s of busyAgents((await agentStandings(this.deps.queue)).values())) {
        if (this.deps.active?.(s.callId)) continue;
        if (!explained(s, await this.deps.sessions.find(s.callId))) unexplained.push(s);
      }
      const before = this.seen;
      this.seen = new Set(unexplained.map(key));
      for (const s of unexplained) if (before.has(key(s))) await this.release(s);
    } catch (err) {
      this.log.warn({ err }, "agents not checked");
    } finally {
      this.checking = false;
    }
  }

  private async release(s: Suspect): Promise<void> {
    try {
      if (s.state === "ringing") {
        // the place goes with the ring: no session means no caller left to put back (a call back's
        // customer is not on the line: its place goes back and it is dialled again)
        if (await this.deps.orphanedCallback?.(s.callId)) {
          await this.deps.queue.requeue(s.callId, { agent: "available", reason: "call back left by a stopped daemon" });
          this.deps.released(s, { state: "available" });
          return;
        }
        const r = await this.deps.queue.abandon(s.callId);
        if (r) this.deps.released(s, { state: "available" });
      } else {
        // read again just before: the call may have ended by itself and the agent taken the next one
        if (!(await onCall(this.deps.queue, s.agentId, s.callId))) return;
        const r = await this.deps.queue.agentState(s.agentId, { to: "wrapup" });
        this.deps.released(s, { state: r.to as AgentState, ...(r.wrapUpUntil ? { wrapUpUntil: r.wrapUpUntil } : {}) });
      }
      this.log.warn({ agentId: s.agentId, callId: s.callId, was: s.state }, "agent released from a call no daemon has");
    } catch (err) {
      this.log.warn({ err, agentId: s.agentId, callId: s.callId }, "agent not released");
    }
  }
}
