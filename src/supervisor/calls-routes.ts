import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { CallRecording, CallRecordings } from "../calls/call-recording.js";
import { SupervisionError, type CallSupervision, type ListenMode, type MonitorView } from "../calls/listen.js";
import type { LiveCall, LiveCalls } from "../calls/live-calls.js";
import { secureHeaders } from "../cti/router.js";
import type { Logger } from "../lib/logger.js";
import type { SupervisorAuth } from "./auth.js";
import type { SupervisorAccount, SupervisorPower } from "./config.js";

/**
 * The supervisors' live calls over HTTP (docs/supervisor.md): who talks to whom since when, and on any of
 * them listen, whisper, barge in, stop, record; recordings streamed from their Asterisk server. Every route
 * takes a supervisor's session (401 without one, 403 for an agent's or without the power), answers JSON
 * errors with a reason, and never a stack.
 */

/** What the routes work with: the daemon builds it from calls/ (live-calls.ts, listen.ts, call-recording.ts). */
export interface SupervisionDesk {
  calls: Pick<LiveCalls, "list" | "get">;
  listen: Pick<CallSupervision, "join" | "leave" | "monitors" | "monitorOf">;
  recordings: Pick<CallRecordings, "record" | "stopRecording" | "of" | "file" | "recent">;
  /** Display names for the view; ids are shown where none is known. */
  names?: { agents?: ReadonlyMap<string, string>; queues?: ReadonlyMap<string, string>; lanes?: ReadonlyMap<string, string> };
}

/** A live call as `GET /api/supervisor/calls` shows it. */
export interface LiveCallView {
  callId: string;
  serverId: string;
  agent: { id: string; name: string };
  caller: { number: string; name: string };
  queue: { id: string; name: string };
  lane: { id: string; name: string };
  /** When the agent answered, epoch ms. */
  since: number;
  recording: { name: string; state: CallRecording["state"]; url: string | null } | null;
  /** Supervisors on this call through this daemon. */
  monitors: Array<{ supervisorId: string; name: string; mode: ListenMode; state: MonitorView["state"] }>;
}

/** A recording as `GET /api/supervisor/recordings` lists it: the call it is of, and its file once stored. */
export interface RecordedCallView {
  name: string;
  callId: string;
  state: CallRecording["state"];
  /** When it was asked for, epoch ms; its length in whole seconds once stored. */
  at: number;
  seconds: number | null;
  agent: { id: string; name: string };
  caller: { number: string };
  queue: { id: string; name: string };
  url: string | null;
}

/** Where the daemon serves a stored recording (to supervisors who may fetch recordings): the live view and the history entry link here. */
export const recordingUrl = (name: string): string => `/api/supervisor/recordings/${encodeURIComponent(name)}`;

/** How many recordings the list shows, newest first. */
const RECENT_RECORDINGS = 50;

const callBody = z.object({ callId: z.string().min(1).max(200) }).strict();
const RECORDING_NAME = /^[A-Za-z0-9._-]{1,200}$/;

export function supervisionRoutes(opts: { desk: SupervisionDesk; authenticate: (req: Request) => SupervisorAuth; supervisors: ReadonlyMap<string, SupervisorAccount>; logger: Logger }): express.Router {
  const { desk, logger: log } = opts;
  const router = express.Router({ caseSensitive: true, strict: true });
  const json = express.json({ limit: "4kb", type: "application/json" });
  const who = (res: Response): SupervisorAccount => (res.locals.supervisor as Extract<SupervisorAuth, { ok: true }>).supervisor;
  const gate = (power?: SupervisorPower) => allow(opts.authenticate, power, log);

  router.get("/api/supervisor/calls", gate(), async (_req, res) => {
    const me = who(res);
    const calls = await desk.calls.list();
    const views = await Promise.all(calls.map((c) => viewOf(c, desk, opts.supervisors)));
    res.json({ at: Date.now(), calls: views, you: { id: me.id, phone: me.phone ?? null, may: me.may, monitor: desk.listen.monitorOf(me.id) ?? null } });
  });

  for (const mode of ["listen", "whisper", "barge"] as const) {
    router.post(`/api/supervisor/calls/${mode}`, gate(mode), json, async (req, res) => {
      const me = who(res);
      const call = await liveCall(req, desk);
      if (!me.phone) throw new SupervisionError("conflict", `no phone is configured for ${me.id} (supervisors[].phone): there is nothing to ring`);
      const monitor = await desk.listen.join({ supervisorId: me.id, phone: me.phone, mode, call });
      res.status(202).json({ monitor });
    });
  }

  router.post("/api/supervisor/calls/stop", gate(), json, async (req, res) => {
    const body = z.object({ callId: z.string().min(1).max(200).optional() }).strict().safeParse(req.body ?? {});
    if (!body.success) return void res.status(400).json({ error: "the body must be {} or {callId}" });
    const me = who(res);
    const current = desk.listen.monitorOf(me.id);
    if (!current || (body.data.callId !== undefined && current.callId !== body.data.callId)) return void res.status(409).json({ error: "you are not on that call" });
    await desk.listen.leave(me.id);
    res.json({ left: current.callId });
  });

  router.post("/api/supervisor/calls/record/start", gate("record"), json, async (req, res) => {
    const call = await liveCall(req, desk);
    const recording = await desk.recordings.record(call, who(res).id);
    res.status(202).json({ recording: recordingView(recording) });
  });

  router.post("/api/supervisor/calls/record/stop", gate("record"), json, async (req, res) => {
    const body = callBody.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: "the body must be {callId}" });
    if (!(await desk.recordings.stopRecording(body.data.callId))) return void res.status(409).json({ error: "the call is not being recorded" });
    res.json({ recording: recordingView((await desk.recordings.of(body.data.callId))!) });
  });

  router.get("/api/supervisor/recordings", gate(), async (_req, res) => {
    const n = desk.names;
    const recordings: RecordedCallView[] = (await desk.recordings.recent(RECENT_RECORDINGS)).map((r) => ({
      name: r.name,
      callId: r.callId,
      state: r.state,
      at: r.askedAt,
      seconds: r.seconds ?? null,
      agent: { id: r.agentId ?? "", name: r.agentId ? (n?.agents?.get(r.agentId) ?? r.agentId) : "" },
      caller: { number: r.callerNumber ?? "" },
      queue: { id: r.queue, name: n?.queues?.get(r.queue) ?? r.queue },
      url: recordingView(r).url,
    }));
    res.json({ at: Date.now(), recordings });
  });

  router.get("/api/supervisor/recordings/:name", gate("recordings"), async (req, res) => {
    const name = String(req.params.name);
    if (!RECORDING_NAME.test(name)) return void res.status(400).json({ error: "not a recording name" });
    const { recording, file } = await desk.recordings.file(name);
    res.status(200).set({ "Content-Type": file.contentType, "Content-Disposition": `attachment; filename="${name}.wav"` });
    if (file.contentLength !== undefined) res.set("Content-Length", String(file.contentLength));
    log.info({ supervisorId: who(res).id, name, callId: recording.callId }, "recording fetched");
    await pipeline(file.body, res).catch((err) => log.warn({ err, name }, "recording stream broken off"));
  });

  router.use("/api/supervisor", refusals(log));
  return router;
}

async function liveCall(req: Request, desk: SupervisionDesk): Promise<LiveCall> {
  const body = callBody.safeParse(req.body);
  if (!body.success) throw new SupervisionError("bad-request", "the body must be {callId}");
  const call = await desk.calls.get(body.data.callId);
  if (!call) throw new SupervisionError("not-found", `no live call ${body.data.callId} (it may have ended)`);
  return call;
}

async function viewOf(c: LiveCall, desk: SupervisionDesk, supervisors: ReadonlyMap<string, SupervisorAccount>): Promise<LiveCallView> {
  const rec = await desk.recordings.of(c.callId);
  const n = desk.names;
  return {
    callId: c.callId,
    serverId: c.serverId,
    agent: { id: c.agentId, name: n?.agents?.get(c.agentId) ?? c.agentId },
    caller: { number: c.callerNumber, name: c.callerName },
    queue: { id: c.queue, name: n?.queues?.get(c.queue) ?? c.queue },
    lane: { id: c.lane, name: n?.lanes?.get(c.lane) ?? c.lane },
    since: c.since,
    recording: rec ? recordingView(rec) : null,
    monitors: desk.listen
      .monitors()
      .filter((m) => m.callId === c.callId)
      .map((m) => ({ supervisorId: m.supervisorId, name: supervisors.get(m.supervisorId)?.name ?? m.supervisorId, mode: m.mode, state: m.state })),
  };
}

function recordingView(r: CallRecording): NonNullable<LiveCallView["recording"]> {
  return { name: r.name, state: r.state, url: r.state === "done" ? recordingUrl(r.name) : null };
}

/** 401 without a supervisor's live session, 403 for an agent's session or a supervisor without `power`. */
function allow(authenticate: (req: Request) => SupervisorAuth, power: SupervisorPower | undefined, log: Logger): RequestHandler {
  return (req, res, next) => {
    secureHeaders(res);
    const auth = authenticate(req);
    if (!auth.ok) {
      if (req.headers.authorization) log.warn({ reason: auth.reason, path: req.path }, "supervision request refused");
      if (auth.agent) return void res.status(403).json({ error: "an agent's session may not supervise calls" });
      return void res.status(401).set("WWW-Authenticate", 'Bearer realm="switchboard-supervisor"').json({ error: auth.reason });
    }
    if (power && !auth.supervisor.may.includes(power)) return void res.status(403).json({ error: `${auth.supervisor.id} may not ${power === "recordings" ? "fetch recordings" : power} (supervisors[].may)` });
    res.locals.supervisor = auth;
    next();
  };
}

/** SupervisionError to its status with the reason; a bad body to 400; the rest to the daemon's error handler. */
function refusals(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof SupervisionError) {
      const status = statusOf(err);
      if (status >= 500) log.warn({ err: err.message, path: req.path }, "supervision request failed");
      return void res.status(status).json({ error: err.message });
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return void res.status(status === 413 ? 413 : 400).json({ error: status === 413 ? "request body too large" : "request body must be JSON" });
    next(err);
  };
}

const statusOf = (e: SupervisionError): number => ({ "bad-request": 400, conflict: 409, "not-found": 404, unavailable: 503 })[e.kind];
