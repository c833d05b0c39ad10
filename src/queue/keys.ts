/**
 * Redis key layout. Every key of one site carries the site's hash tag, `{site}`, so all of them live in
 * one Cluster slot and every script can read and write any of them atomically. The Lua scripts build the
 * same names from the base (see lua/lib.lua); keep the two in step.
 *
 *   <prefix>{<site>}:q:<queue>:waiting     ZSET  score = caller score, member = see waitingMember
 *   <prefix>{<site>}:q:<queue>:deadlines   ZSET  callId -> maxWait deadline (ms)
 *   <prefix>{<site>}:q:<queue>:idle        ZSET  idle since (ms), member = see idleMember; dispatchable agents only
 *   <prefix>{<site>}:q:<queue>:idle:<skill> ZSET the same, only agents having <skill> (skill routing)
 *   <prefix>{<site>}:q:<queue>:staffed     SET   agents working the queue (not offline/paused/unreachable)
 *   <prefix>{<site>}:q:<queue>:agents      SET   every agent registered for the queue
 *   <prefix>{<site>}:q:<queue>:meta        HASH  reservedWaiting, busyOther, staffed (size of the set), ahtMs, handled
 *   <prefix>{<site>}:call:<callId>         HASH  one waiting or offered caller
 *   <prefix>{<site>}:agent:<agentId>       HASH  profile and state of one agent
 *   <prefix>{<site>}:agents                SET   every registered agent of the site
 *   <prefix>{<site>}:endpoints             HASH  endpoint (PJSIP/1001) -> agentId
 *   <prefix>{<site>}:wrapups               ZSET  agentId -> wrap-up end (ms)
 *   <prefix>{<site>}:seq                   STRING arrival counter (FIFO tie-break)
 *   <prefix>{<site>}:events                STREAM every transition
 */
export class QueueKeys {
  readonly base: string;

  constructor(prefix: string, readonly site: string) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(site)) throw new Error(`invalid site "${site}": lower-case letters, digits and dashes`);
    if (/[{}]/.test(prefix)) throw new Error(`key prefix "${prefix}" must not contain braces: the site is the hash tag`);
    this.base = `${prefix}{${site}}:`;
  }

  queue(queue: string, part: "waiting" | "deadlines" | "idle" | "staffed" | "agents" | "meta"): string {
    return `${this.base}q:${queue}:${part}`;
  }
  call(callId: string): string {
    return `${this.base}call:${callId}`;
  }
  agent(agentId: string): string {
    return `${this.base}agent:${agentId}`;
  }
  get agents(): string {
    return `${this.base}agents`;
  }
  get endpoints(): string {
    return `${this.base}endpoints`;
  }
  get wrapups(): string {
    return `${this.base}wrapups`;
  }
  get seq(): string {
    return `${this.base}seq`;
  }
  get events(): string {
    return `${this.base}events`;
  }
}

/**
 * Waiting-set member, built by enqueue.lua (waiting_member in lib.lua): the zero-padded sequence keeps FIFO
 * among equal scores (Redis orders ties by member); the rest is what dispatch needs to pass over a caller,
 * or to offer it, without reading its hash. Call ids, lanes, skill names and levels never contain "|".
 */
export function waitingMember(
  seq: number,
  c: { reserved: boolean; needs: string; lane: string; enqueuedAt: number; requeues: number; deadline: number },
  callId: string,
): string {
  return [String(seq).padStart(15, "0"), c.reserved ? 1 : 0, c.needs, c.lane, c.enqueuedAt, c.requeues, c.deadline ? 1 : 0, callId].join("|");
}

/** The lane and join time a waiting-set member carries (admission reads them without the callers' hashes). */
export function laneOfMember(member: string): { lane: string; enqueuedAt: number } {
  const parts = member.split("|", 5);
  return { lane: parts[3] ?? "", enqueuedAt: Number(parts[4]) };
}

export function callIdOfMember(member: string): string {
  return member.slice(member.lastIndexOf("|") + 1);
}

/**
 * Idle-set member (idle_member in lib.lua): the agent's profile, so dispatch needs no read of its hash.
 * The space sorts below every character an id may have, so agents idle since the same ms stay in id order.
 */
export function idleMember(agentId: string, endpoint: string, queues: string, skills: string): string {
  return `${agentId} ${endpoint} ${queues} ${skills}`;
}

export function agentIdOfIdleMember(member: string): string {
  return member.slice(0, member.indexOf(" "));
}
