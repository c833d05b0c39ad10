import type { Redis } from "ioredis";
import { AgentPhones } from "../calls/agent-phones.js";
import { AgentWatch } from "../calls/agent-watch.js";
import { CallbackBooking } from "../calls/callback-booking.js";
import { VoiceAppointments } from "../calls/voice-appointments.js";
import { CallbackRequests } from "../calls/callback-requests.js";
import { CallbackRunner } from "../calls/callback-runner.js";
import { CallbackStore, type Callback, type CallbackProgress, type DialVerdict } from "../callbacks/callback-store.js";
import type { CallSession } from "../calls/session-store.js";
import type { CallState } from "../ivr/engine/index.js";
import type { Connected } from "../calls/handoff-types.js";
import { ExpressDriver } from "../calls/express-driver.js";
import type { Consults } from "../calls/consult.js";
import { CallManager } from "../calls/manager.js";
import { QueueHandoff } from "../calls/queue-handoff.js";
import { SessionDirectory } from "../calls/session-directory.js";
import type { Config } from "../config/schema.js";
import type { CrmLookup } from "../crm/lookup.js";
import type { EventLog } from "../events/log.js";
import type { JobHub } from "../jobs/index.js";
import type { TreeRegistry } from "../ivr/registry.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import type { AgentDesk } from "../desk/agent-desk.js";
import { consultations } from "./consults.js";
import { RunningParts, type Running } from "./lifecycle.js";
import type { Link, ServerLink } from "./telephony.js";

export interface CallsDeps {
  config: Config;
  /** The servers' links, not connected yet: the calls listen on them first. */
  links: ReadonlyMap<string, Link>;
  homeServer: string;
  redis: Redis;
  registry: TreeRegistry;
  crm: CrmLookup;
  queue: CallerQueue;
  desk: AgentDesk;
  /** The site's lifecycle event stream (survey answers); without it the answers are logged only. */
  events?: EventLog;
  /** Where the express upgrade's billing jobs go; without it consents are kept and logged, not billed. */
  jobs?: JobHub;
  /** Checks (and logs) every call back before it is placed; without it every attempt is placed. */
  dialCheck?: { check(cb: Callback): Promise<DialVerdict>; peek(cb: Callback): Promise<DialVerdict> };
  /** Told of each call back's agent ring and attempts (outbound follows its leads by them). */
  outbound?: { ringing(cb: Callback): void; progress(cb: Callback, outcome: CallbackProgress, result?: string): void };
  log: Logger;
}

/** Live calls on all servers. */
export interface AllCalls {
  readonly size: number;
  list(): ReturnType<CallManager["list"]>;
}

export interface Calls extends Running {
  /** Call backs asked for outside a call (the admin API). */
  callbacks: CallbackRequests;
  /** Appointments booked by voice in the IVR: the calendars are attached once they are open (`use`). */
  voiceAppointments: VoiceAppointments;
  /** By `asterisk[].id`, in config order. */
  servers: ReadonlyMap<string, ServerLink>;
  handoff: QueueHandoff;
  /** Campaign calls in preview: the agent's Call or Skip, from any daemon's desk. */
  previews: Pick<CallbackRunner, "choose">;
  /** The agents' consultations (attended transfers) on this daemon's conversations. */
  consults: Consults;
  phones: AgentPhones;
  all: AllCalls;
  /** Redis came back without its data: the servers and every live call's session are written again. */
  rewrite(): Promise<void>;
}

/**
 * The calls: one call manager per server (sessions in Redis under the server's id) and the one queue
 * hand-off they share. The hand-off's verdicts go back to the caller's server; the desk hears of
 * connected and ended calls for the pop and the history. The agent watch releases agents the queue holds
 * for calls no daemon has.
 */
export async function startCalls(deps: CallsDeps): Promise<Calls> {
  const { config, links, log } = deps;
  const parts = new RunningParts(log);
  const phones = new AgentPhones(config.agents, deps.homeServer);
  const managers = new Map<string, CallManager>();
  const lines = new Map([...links].map(([id, l]) => [id, l.ari]));
  const callbackStore = new CallbackStore(deps.redis, deps.queue.keys.base);
  // the hooks read `managers`, `runner` and `booking`, set below: nothing calls them before the calls start
  const handoff: QueueHandoff = new QueueHandoff({
    lines,
    dial: (agentId, endpoint, serverId) => phones.dial(agentId, endpoint, serverId),
    queue: deps.queue,
    config: config.calls,
    logger: log,
    hooks: {
      callbackOffer: (queue, callId, ewtMs, before): string[] | undefined => bookings.callbacks.offer(queue, callId, ewtMs, before),
      callbackKey: () => config.calls.callbacks.key,
      callback: (offer) => runner.take(offer),
      notDue: () => runner.notDue(),
      result: (callId, serverId, outcome) => managers.get(serverId)?.queueResult(callId, outcome),
      fallback: (callId, serverId, why) => managers.get(serverId)?.queueFallback(callId, why),
      connected: (c) => managers.get(c.serverId)?.connected(c),
      ended: (c, by) => {
        consults.ended(c.callId);
        if (by === "agent") managers.get(c.serverId)?.agentEnded(c);
      },
      agentLeft: (c) => consults.agentLeft(c),
      agentStatus: (agentId, status) => deps.desk.agentStatus(agentId, status),
      talk: (callId, m) => deps.desk.talk(callId, m),
    },
  });
  const runner = new CallbackRunner({
    lines,
    dial: (agentId, endpoint, serverId) => phones.dial(agentId, endpoint, serverId),
    queue: deps.queue,
    store: callbackStore,
    settings: config.calls.callbacks,
    calls: config.calls,
    events: deps.events,
    logger: log,
    ...(deps.dialCheck ? { check: (cb: Callback) => deps.dialCheck!.check(cb), peek: (cb: Callback) => deps.dialCheck!.peek(cb) } : {}),
    leaseMs: config.calls.sweepInterval * 3000,
    hooks: {
      agentStatus: (agentId, status) => deps.desk.agentStatus(agentId, status),
      ringing: (cb) => callbackRinging(deps, cb),
      preview: (cb, agentId, until) => void deps.desk.preview(callbackCall(cb, cb.preview!.serverId), { callId: cb.id, agentId, queue: cb.queue, lane: cb.lane, waitMs: 0, callback: callbackOf(cb) }, until).catch((err) => log.error({ err, callId: cb.id }, "preview not shown")),
      progress: (cb, outcome, result) => deps.outbound?.progress(cb, outcome, result),
      connected: (cb, c) => void deps.desk.connected(callbackCall(cb, c.serverId, c), c).catch((err) => log.error({ err, callId: c.callId }, "screen-pop failed")),
      ended: (cb, c) => void deps.desk.ended(callbackCall(cb, c.serverId, c)),
      kick: () => handoff.kick(),
    },
  });
  const bookings = { callbacks: new CallbackBooking({ handoff, queue: deps.queue, store: callbackStore, settings: config.calls.callbacks, events: deps.events, logger: log }), appointments: new VoiceAppointments(log, deps.queue) };
  const refresh = setInterval(() => void runner.refresh(), config.calls.sweepInterval * 1000);
  refresh.unref();
  parts.addStop(() => {
    clearInterval(refresh);
    runner.stop();
  });
  const express = new ExpressDriver({ config: config.express, ...(deps.jobs ? { jobs: deps.jobs } : {}), queue: deps.queue, logger: log });
  const sessions = new SessionDirectory(deps.redis, config.redis.keyPrefix);
  await sessions.register([...links.keys()]);
  const consults: Consults = consultations({ config, lines, handoff, queue: deps.queue, phones, sessions, managers, desk: deps.desk, log });
  parts.addStop(() => consults.stop());
  const servers = new Map<string, ServerLink>();
  for (const [id, link] of links) {
    const calls = new CallManager({
      ari: link.ari,
      registry: deps.registry,
      store: sessions.store(id),
      handoff,
      crm: deps.crm,
      config: config.calls,
      ivr: config.ivr,
      logger: log.child({ server: id }),
      events: deps.events,
      express,
      bookings,
      legs: { handle: (e) => runner.handle(e) || consults.handle(e, id) },
      onConnected: (call, c) => void deps.desk.connected(call, c).catch((err) => log.error({ err, callId: c.callId }, "screen-pop failed")),
      onEnded: (call) => deps.desk.ended(call),
    });
    calls.start();
    parts.addStop(() => calls.stop());
    managers.set(id, calls);
    servers.set(id, { ...link, calls });
  }
  handoff.start();
  parts.addStop(() => handoff.stop());
  watchAgents({ deps, sessions, handoff, parts, active: (callId) => runner.isActive(callId) || consults.has(callId), orphaned: (callId) => runner.orphaned(callId) });
  return {
    servers,
    handoff,
    consults,
    previews: runner,
    voiceAppointments: bookings.appointments,
    callbacks: new CallbackRequests({ queue: deps.queue, store: callbackStore, settings: config.calls.callbacks, homeServer: deps.homeServer, events: deps.events, kick: () => handoff.kick() }),
    phones,
    all: {
      get size() {
        return [...managers.values()].reduce((n, c) => n + c.size, 0);
      },
      list: () => [...managers.values()].flatMap((c) => c.list()),
    },
    async rewrite() {
      await sessions.register([...links.keys()]);
      await Promise.all([...managers.values()].map((m) => m.saveAll()));
    },
    // new calls go to the dialplan fallback; sessions stay in Redis
    drain: () => managers.forEach((c) => c.drain()),
    stop: () => parts.stop(),
  };
}

/** The agent's phone rings for a call back: the record is looked up now (the pop has it at once); outbound marks the lead dialling. */
function callbackRinging(deps: Pick<CallsDeps, "crm" | "outbound">, cb: Callback): void {
  void deps.crm.prefetch(cb.id, cb.number).catch(() => undefined);
  deps.outbound?.ringing(cb);
}

/**
 * The agent watch: releases agents the queue holds for calls no daemon has. `active`: calls this daemon runs
 * without a session naming their agent (call backs being dialled, consultations: the consulted agent talks for
 * a call whose session names the first agent).
 */
function watchAgents(w: { deps: CallsDeps; sessions: SessionDirectory; handoff: QueueHandoff; parts: RunningParts; active(callId: string): boolean; orphaned(callId: string): Promise<boolean> }): void {
  const { deps, handoff } = w;
  const watch = new AgentWatch({
    queue: deps.queue,
    sessions: w.sessions,
    intervalMs: deps.config.calls.recoveryInterval * 1000,
    active: (callId) => w.active(callId),
    orphanedCallback: (callId) => w.orphaned(callId),
    logger: deps.log,
    released: (was, now) => {
      deps.desk.agentStatus(was.agentId, now);
      // a call no session has will never tell the desk it ended: its history is due after the grace
      if (was.state === "oncall") void deps.desk.closeLater(was.callId, undefined);
      handoff.kick();
    },
  });
  watch.start();
  w.parts.addStop(() => watch.stop());
}

/** What the pop says of a call back before it is connected (a preview): its number, the attempt coming, its purpose. */
const callbackOf = (cb: Callback): NonNullable<Connected["callback"]> => ({ number: cb.number, attempt: cb.attempts.filter((a) => a.outcome !== "agent no answer").length + 1, purpose: cb.purpose });

/** A call back as the desk sees a call: the IVR call it was booked in, with the agent on it once connected. */
function callbackCall(cb: Callback, serverId: string, c?: Connected): { session: CallSession; state: CallState } {
  // a call back asked for outside a call (the admin API) has no IVR call: the number is all there is
  const state = (cb.call?.state as CallState | undefined) ?? {
    callId: cb.id,
    version: "",
    tree: "",
    node: "",
    status: "ended",
    waiting: null,
    attempt: 0,
    digits: "",
    seq: 0,
    call: { callId: cb.id, callerNumber: cb.number, ...(cb.name ? { callerName: cb.name } : {}) },
    customer: null,
    vars: cb.reason ? { reason: cb.reason } : {},
    path: [],
  };
  const session: CallSession = {
    callId: cb.id,
    serverId,
    channelId: c?.agentChannelId ?? "",
    startedAt: cb.acceptedAt,
    engine: state,
    queue: { queue: cb.queue, lane: cb.lane, joinedAt: cb.joinedAt, ...(cb.reason ? { reason: cb.reason } : {}) },
    ...(c ? { agent: { agentId: c.agentId, channelId: c.agentChannelId, bridgeId: c.bridgeId, queue: cb.queue, lane: cb.lane } } : {}),
    callback: { number: cb.number, at: cb.acceptedAt },
    ...(cb.call?.consents ? { consents: cb.call.consents as CallSession["consents"] } : {}),
  };
  return { session, state };
}
