import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";
import { AriNotFoundError, type AriEvent, type AriFile, type AriGateway } from "../telephony/index.js";
import type { LiveCall } from "./live-calls.js";
import { SupervisionError } from "./listen.js";
import { callOfAgentLeg } from "./queue-handoff.js";
import { SessionDirectory } from "./session-directory.js";

/**
 * Call recordings: per queue (every call once the agent is on it) or per call (a supervisor asks). The
 * caller is told first: the prompt is played to the caller's channel and the recording starts once it has
 * finished (ARI `POST /bridges/{id}/record` on the conversation's bridge, ws-18), so nothing is recorded
 * before the caller could know. Each recording is named after its call (`sbrec-<call id>-<base36 ms>`),
 * kept in Redis with its call, server and state, and found by its call id, for the call's history entry and
 * the supervisors' live view. A sweeper deletes recordings older than the retention from their server
 * (`DELETE /recordings/stored/{name}`); files are streamed from the server on request, never copied here.
 */

export interface RecordingSettings {
  /** Queues whose every call is recorded. */
  queues: readonly string[];
  /** Told to the caller before the recording starts. */
  prompt: string;
  format: string;
  maxSeconds: number;
  retentionDays: number;
}

export type RecordingState = "prompt" | "recording" | "done" | "failed";

export interface CallRecording {
  name: string;
  callId: string;
  serverId: string;
  state: RecordingState;
  /** Who asked: a supervisor's id, or `queue` for the queue's rule. */
  by: string;
  queue: string;
  /** The agent on the call and the caller's number, for the list of recorded calls ("" when unknown). */
  agentId?: string;
  callerNumber?: string;
  /** Epoch ms: asked for; the recording itself started (after the prompt); ended. */
  askedAt: number;
  startedAt?: number;
  endedAt?: number;
  /** Whole seconds recorded (Asterisk's figure). */
  seconds?: number;
  /** Why it failed. */
  reason?: string;
}

export interface CallRecordingDeps {
  /** The calls' gateways per server (the app the callers and agents are in: the recording's events go there). */
  lines: ReadonlyMap<string, AriGateway>;
  redis: Redis;
  keyPrefix: string;
  settings: RecordingSettings;
  logger: Logger;
  clock?: () => number;
}

const ignore = () => {};
/** The longest prompt waited for before recording anyway (a PlaybackFinished lost to a reconnect). */
const PROMPT_MAX_MS = 60_000;
const DAY_MS = 86_400_000;

export class CallRecordings {
  private readonly offs: Array<() => void> = [];
  /** Prompts playing, by playback id: their PlaybackFinished starts the recording. */
  private readonly prompts = new Map<string, () => void>();
  private readonly updating = new Map<string, Promise<void>>();
  private readonly sessions: SessionDirectory;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: CallRecordingDeps) {
    this.sessions = new SessionDirectory(deps.redis, deps.keyPrefix);
    this.log = deps.logger.child({ component: "recordings" });
    this.now = deps.clock ?? Date.now;
  }

  start(): void {
    for (const ari of this.deps.lines.values()) this.offs.push(ari.on("event", (e) => this.route(e, ari)));
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    for (const wake of this.prompts.values()) wake();
    this.prompts.clear();
  }

  private key(name: string): string {
    return `${this.deps.keyPrefix}recording:${name}`;
  }

  private callKey(callId: string): string {
    return `${this.deps.keyPrefix}recording-of:${callId}`;
  }

  private get index(): string {
    return `${this.deps.keyPrefix}recordings`;
  }

  /** A recording by its name, or null. */
  async get(name: string): Promise<CallRecording | null> {
    const raw = await this.deps.redis.get(this.key(name));
    return raw === null ? null : (JSON.parse(raw) as CallRecording);
  }

  /** The call's (last) recording: what its history entry links to. */
  async of(callId: string): Promise<CallRecording | null> {
    const name = await this.deps.redis.get(this.callKey(callId));
    return name === null ? null : this.get(name);
  }

  /** The newest recordings first (those the retention keeps), at most `limit`: the supervisors' list of recorded calls. */
  async recent(limit: number): Promise<CallRecording[]> {
    const names = await this.deps.redis.zrevrange(this.index, 0, Math.max(0, limit - 1));
    if (names.length === 0) return [];
    const raws = await this.deps.redis.mget(names.map((n) => this.key(n)));
    return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as CallRecording]));
  }

  /**
   * Starts recording a live call: the prompt to the caller, then the bridge's recording. Resolves once it is
   * under way (state `prompt`). Refused (`conflict`) while the call is being recorded already.
   */
  async record(call: LiveCall, by: string): Promise<CallRecording> {
    const ari = this.deps.lines.get(call.serverId);
    if (!ari?.isConnected) throw new SupervisionError("unavailable", `the Asterisk server "${call.serverId}" of this call is not connected to this daemon`);
    const previous = await this.of(call.callId);
    if (previous && (previous.state === "prompt" || previous.state === "recording")) throw new SupervisionError("conflict", `the call is being recorded already (${previous.name})`);
    const rec: CallRecording = {
      name: `sbrec-${call.callId.replace(/[^A-Za-z0-9._-]/g, "_")}-${this.now().toString(36)}`,
      callId: call.callId,
      serverId: call.serverId,
      state: "prompt",
      by,
      queue: call.queue,
      agentId: call.agentId,
      callerNumber: call.callerNumber,
      askedAt: this.now(),
    };
    await this.save(rec);
    await this.deps.redis
      .multi()
      .set(this.callKey(call.callId), rec.name, "EX", Math.ceil((this.deps.settings.retentionDays * DAY_MS) / 1000))
      .zadd(this.index, rec.askedAt, rec.name)
      .exec();
    void this.tellThenRecord(ari, rec, call).catch((err) => this.fail(rec, (err as Error).message));
    this.log.info({ callId: call.callId, name: rec.name, by }, "call recording asked for");
    return rec;
  }

  /** Stops the call's recording (or the prompt before it); false when it records nothing now. */
  async stopRecording(callId: string): Promise<boolean> {
    const rec = await this.of(callId);
    if (!rec || (rec.state !== "prompt" && rec.state !== "recording")) return false;
    const ari = this.deps.lines.get(rec.serverId);
    if (!ari?.isConnected) throw new SupervisionError("unavailable", `the Asterisk server "${rec.serverId}" of this call is not connected to this daemon`);
    if (rec.state === "prompt") {
      await this.fail(rec, "stopped before it started");
      this.prompts.get(promptId(rec.name))?.();
      await ari.stopPlayback(promptId(rec.name)).catch(ignore);
      return true;
    }
    await ari.stopRecording(rec.name).catch((err) => {
      if (!(err instanceof AriNotFoundError)) throw err;
    });
    return true;
  }

  /** The recording's file from its server, to stream; `not-found` when it is unknown or gone from the server. */
  async file(name: string): Promise<{ recording: CallRecording; file: AriFile }> {
    const recording = await this.get(name);
    if (!recording || recording.state !== "done") throw new SupervisionError("not-found", `no stored recording "${name}"`);
    const ari = this.deps.lines.get(recording.serverId);
    if (!ari?.isConnected) throw new SupervisionError("unavailable", `the Asterisk server "${recording.serverId}" that keeps this recording is not connected to this daemon`);
    try {
      return { recording, file: await ari.storedRecordingFile(name) };
    } catch (err) {
      if (err instanceof AriNotFoundError) throw new SupervisionError("not-found", `the recording "${name}" is no longer on its server`);
      throw err;
    }
  }

  /**
   * Deletes the recordings older than the retention from their servers (those of this daemon's servers that
   * are connected; the others wait for their daemon). Returns how many went.
   */
  async sweep(): Promise<number> {
    const cutoff = this.now() - this.deps.settings.retentionDays * DAY_MS;
    const names = await this.deps.redis.zrangebyscore(this.index, "-inf", cutoff, "LIMIT", 0, 500);
    let swept = 0;
    for (const name of names) {
      const rec = await this.get(name);
      const ari = rec ? this.deps.lines.get(rec.serverId) : undefined;
      if (rec && !ari) continue;
      if (ari && !ari.isConnected) continue;
      try {
        await ari?.deleteStoredRecording(name);
      } catch (err) {
        if (!(err instanceof AriNotFoundError)) {
          this.log.warn({ err, name }, "old recording not deleted; tried again next round");
          continue;
        }
      }
      await this.deps.redis.multi().zrem(this.index, name).del(this.key(name)).exec();
      swept++;
    }
    if (swept) this.log.info({ swept, retentionDays: this.deps.settings.retentionDays }, "old recordings deleted");
    return swept;
  }

  private async tellThenRecord(ari: AriGateway, rec: CallRecording, call: LiveCall): Promise<void> {
    const playbackId = promptId(rec.name);
    const told = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PROMPT_MAX_MS);
      this.prompts.set(playbackId, () => {
        clearTimeout(timer);
        this.prompts.delete(playbackId);
        resolve();
      });
    });
    await ari.play(call.callerChannelId, [this.deps.settings.prompt], { playbackId });
    await told;
    const now = await this.get(rec.name);
    if (!now || now.state !== "prompt") return;
    await ari.recordBridge(call.bridgeId, { name: rec.name, format: this.deps.settings.format, maxDurationSeconds: this.deps.settings.maxSeconds, ifExists: "fail" });
    await this.update(rec.name, (r) => (r.state === "prompt" ? { ...r, state: "recording", startedAt: r.startedAt ?? this.now() } : r));
    this.log.info({ callId: rec.callId, name: rec.name }, "call recording started");
  }

  private route(e: AriEvent, ari: AriGateway): void {
    switch (e.type) {
      case "PlaybackFinished":
        return this.prompts.get(e.playback.id)?.();
      case "RecordingStarted":
        if (e.recording.name.startsWith("sbrec-")) void this.update(e.recording.name, (r) => ({ ...r, state: r.state === "prompt" ? "recording" : r.state, startedAt: r.startedAt ?? this.now() }));
        return;
      case "RecordingFinished":
      case "RecordingFailed": {
        if (!e.recording.name.startsWith("sbrec-")) return;
        const done = e.type === "RecordingFinished" && e.recording.state === "done";
        const seconds = e.recording.duration;
        void this.update(e.recording.name, (r) => ({
          ...r,
          state: done ? "done" : "failed",
          endedAt: this.now(),
          ...(seconds !== undefined ? { seconds } : {}),
          ...(done ? {} : { reason: e.recording.cause ?? e.recording.state }),
        }));
        return;
      }
      case "ChannelEnteredBridge": {
        const callId = callOfAgentLeg(e.channel.id);
        if (callId !== undefined && this.deps.settings.queues.length > 0) void this.byQueue(callId, ari, e.bridge.id, e.channel.id);
        return;
      }
      default:
        return;
    }
  }

  /** The agent's leg joined its caller: a call of a recorded queue is recorded from now on. */
  private async byQueue(callId: string, ari: AriGateway, bridgeId: string, agentChannelId: string): Promise<void> {
    try {
      const session = (await this.sessions.find(callId)).find((s) => s.serverId === ari.serverId);
      const queue = session?.agent?.queue ?? session?.queue?.queue;
      if (!session || !queue || !this.deps.settings.queues.includes(queue)) return;
      // once per call: a bridge made again (after a restart) is not told and recorded a second time
      if (await this.of(callId)) return;
      const caller = session.engine.call as { callerNumber?: unknown };
      const call: LiveCall = {
        callId,
        serverId: ari.serverId,
        callerChannelId: session.channelId,
        callerNumber: typeof caller.callerNumber === "string" ? caller.callerNumber : "",
        callerName: "",
        agentId: session.agent?.agentId ?? "",
        agentChannelId,
        bridgeId,
        queue,
        lane: session.queue?.lane ?? "",
        since: this.now(),
      };
      await this.record(call, "queue");
    } catch (err) {
      if (!(err instanceof SupervisionError && err.kind === "conflict")) this.log.warn({ err, callId }, "queue recording not started");
    }
  }

  private async fail(rec: CallRecording, reason: string): Promise<void> {
    this.prompts.get(promptId(rec.name))?.();
    await this.update(rec.name, (r) => (r.state === "prompt" || r.state === "recording" ? { ...r, state: "failed", endedAt: this.now(), reason } : r));
    this.log.warn({ callId: rec.callId, name: rec.name, reason }, "call recording failed");
  }

  private async save(rec: CallRecording): Promise<void> {
    await this.deps.redis.set(this.key(rec.name), JSON.stringify(rec));
  }

  /** Read, change, write; one at a time per recording (its events and its start race each other). */
  private update(name: string, change: (r: CallRecording) => CallRecording): Promise<void> {
    const next = (this.updating.get(name) ?? Promise.resolve()).then(async () => {
      const r = await this.get(name);
      if (r) await this.save(change(r));
    });
    const settled = next.catch(ignore);
    this.updating.set(name, settled);
    void settled.then(() => {
      if (this.updating.get(name) === settled) this.updating.delete(name);
    });
    return next;
  }
}

/** The prompt's playback id: the recording's name says which recording it opens. */
const promptId = (name: string) => `sbr-${name}`;
