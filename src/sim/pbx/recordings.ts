/**
 * ARI bridge recordings (`POST /bridges/{id}/record`, `/recordings/live/...`) and the stored recordings
 * they leave (`/recordings/stored/...`), as Asterisk 22.10.1 does them (ari-ws/ws-18): a `Recorder/ARI-<n>;2`
 * channel is pushed into the bridge (the parties' BRIDGEPEER name it, the bridge mixes), RecordingStarted,
 * the 201 with the recording `queued`; stop, a `maxDurationSeconds` running out or the recorder being left
 * alone in the bridge end it with RecordingFinished (`done`, whole seconds recorded), then the recorder leaves.
 */
import type { Bridge } from "../model/bridge.js";
import { wavFile, type LiveRecordingSnapshot, type RecordingState, type StoredRecordingSnapshot } from "../model/recording.js";
import type { Bridging } from "./bridging.js";
import type { ChannelCore } from "./channels.js";
import type { PbxContext } from "./context.js";
import { PbxError } from "./errors.js";

export interface RecordRequest {
  name?: string | undefined;
  format: string;
  maxDurationSeconds?: number | undefined;
  maxSilenceSeconds?: number | undefined;
  /** `fail` (Asterisk's default), `overwrite` or `append`. */
  ifExists?: string | undefined;
  beep?: boolean | undefined;
  /** `none`, `any`, `*`, `#`. */
  terminateOn?: string | undefined;
}

/** Operations on a live recording (`stop`, `DELETE` = cancel, `pause`, `mute` and their undoing). */
export type RecordingControl = "stop" | "cancel" | "pause" | "unpause" | "mute" | "unmute";

/** File extensions Asterisk's format modules know (`ast_get_format_for_file_ext`). */
const FORMATS = new Set(["wav", "WAV", "wav16", "gsm", "ulaw", "ul", "alaw", "al", "sln", "raw", "sln16", "g722", "g729", "g726", "ilbc", "vox", "ogg", "h263", "h264"]);
const TERMINATE_ON = new Set(["none", "any", "*", "#"]);
const IF_EXISTS = new Set(["fail", "overwrite", "append"]);
/** Simulated ms of the beep a `beep=true` recording plays before it records (not on the file). */
const BEEP_MS = 250;

interface Live {
  name: string;
  format: string;
  state: RecordingState;
  bridge: Bridge;
  recorderId: string;
  ifExists: string;
  startedAt: number;
  /** Audio recorded before the current stretch (simulated ms). */
  recordedMs: number;
  /** Since when it records now (undefined while paused). */
  runningSince: number | undefined;
  parties: Map<string, string>;
  cancelTimer: () => void;
}

export class Recordings {
  private readonly live = new Map<string, Live>();
  private readonly stored = new Map<string, StoredRecordingSnapshot>();

  constructor(
    private readonly ctx: PbxContext,
    private readonly channels: ChannelCore,
    private readonly bridging: Bridging,
  ) {
    // LONELY: a recorder left alone in its bridge is kicked out, which ends its recording
    bridging.onRecorderAlone = (b) => {
      const rec = [...this.live.values()].find((r) => r.bridge === b);
      if (rec) queueMicrotask(() => this.finish(rec, "done"));
    };
    ctx.onEvent((e) => {
      if (e.type !== "ChannelEnteredBridge") return;
      for (const r of this.live.values()) if (r.bridge.id === e.bridge.id) r.parties.set(e.channel.id, e.channel.name);
    });
  }

  /**
   * `POST /bridges/{id}/record`. Throws `not-found` (bridge), `unprocessable` (format), and, after the
   * recorder joined and before it leaves again (ws-18), `bad-request` (terminateOn, ifExists), `internal`
   * ("Error parsing request": no name) or `conflict` (the name exists and `ifExists` is `fail`).
   */
  record(bridgeId: string, req: RecordRequest): LiveRecordingSnapshot {
    const b = this.ctx.bridges.get(bridgeId);
    if (!b) throw new PbxError("not-found", "Bridge not found");
    if (!FORMATS.has(req.format)) throw new PbxError("unprocessable", "specified format is unknown on this system");
    if (b.recorder) throw new PbxError("internal", "Failed to put recording channel into the bridge");
    const recorder = { id: this.channels.newUniqueId(), name: `Recorder/ARI-${this.channels.nextNameSuffix("Local")};2` };
    this.bridging.setRecorder(b, recorder);
    const refuse = (code: "bad-request" | "internal" | "conflict", message: string): never => {
      // the recorder's thread takes it out again a moment later (its leave shows after the reply)
      this.ctx.scheduler.defer(() => {
        if (b.recorder?.id === recorder.id && !b.destroyed) this.recorderLeaves(b);
      });
      throw new PbxError(code, message);
    };
    const terminateOn = req.terminateOn || "none";
    if (!TERMINATE_ON.has(terminateOn)) refuse("bad-request", "terminateOn invalid");
    const ifExists = req.ifExists || "fail";
    if (!IF_EXISTS.has(ifExists)) refuse("bad-request", "ifExists invalid");
    const name = req.name ?? "";
    if (name === "") refuse("internal", "Error parsing request");
    if (this.live.has(name) || (this.stored.has(name) && ifExists === "fail")) refuse("conflict", `Recording '${name}' already exists and can not be overwritten`);
    const now = this.ctx.scheduler.now();
    const beepMs = req.beep ? BEEP_MS : 0;
    const rec: Live = {
      name,
      format: req.format,
      state: "queued",
      bridge: b,
      recorderId: recorder.id,
      ifExists,
      startedAt: now,
      recordedMs: 0,
      runningSince: now + beepMs,
      parties: new Map(b.channels.map((id) => [id, this.ctx.channels.get(id)?.name ?? id])),
      cancelTimer: () => {},
    };
    this.live.set(name, rec);
    const queued = snapshotOf(rec);
    rec.state = "recording";
    this.ctx.emit({ type: "RecordingStarted", recording: snapshotOf(rec) });
    const max = req.maxDurationSeconds ?? 0;
    if (max > 0) rec.cancelTimer = this.ctx.scheduler.after(beepMs + max * 1000, () => this.finish(rec, "done", max * 1000));
    return queued;
  }

  /** `GET /recordings/live/{name}`: undefined once it is over. */
  getLive(name: string): LiveRecordingSnapshot | undefined {
    const r = this.live.get(name);
    return r ? snapshotOf(r) : undefined;
  }

  /** Throws `not-found` ("Recording not found"), `conflict` ("Recording not in session") for a pause of one not recording. */
  control(name: string, op: RecordingControl): void {
    const r = this.live.get(name);
    if (!r) throw new PbxError("not-found", "Recording not found");
    const now = this.ctx.scheduler.now();
    switch (op) {
      case "stop":
        return this.finish(r, "done");
      case "cancel":
        return this.finish(r, "canceled");
      case "pause":
        if (r.state !== "recording" && r.state !== "paused") throw new PbxError("conflict", "Recording not in session");
        if (r.runningSince !== undefined) r.recordedMs += Math.max(0, now - r.runningSince);
        r.runningSince = undefined;
        r.state = "paused";
        return;
      case "unpause":
        if (r.state !== "recording" && r.state !== "paused") throw new PbxError("conflict", "Recording not in session");
        r.runningSince ??= now;
        r.state = "recording";
        return;
      case "mute":
      case "unmute":
        // silence instead of the bridge's audio: the simulator's files are silence either way
        if (r.state !== "recording" && r.state !== "paused") throw new PbxError("conflict", "Recording not in session");
        return;
    }
  }

  listStored(): StoredRecordingSnapshot[] {
    return [...this.stored.values()].map((s) => structuredClone(s));
  }

  getStored(name: string): StoredRecordingSnapshot | undefined {
    const s = this.stored.get(name);
    return s ? structuredClone(s) : undefined;
  }

  /** The file `GET /recordings/stored/{name}/file` serves, or undefined. */
  file(name: string): Buffer | undefined {
    const s = this.stored.get(name);
    return s ? wavFile(s.durationMs) : undefined;
  }

  /** Throws `not-found`. */
  deleteStored(name: string): void {
    if (!this.stored.delete(name)) throw new PbxError("not-found", "Recording not found");
  }

  /** Throws `not-found`, or `conflict` when the destination exists. */
  copyStored(name: string, destination: string): StoredRecordingSnapshot {
    const s = this.stored.get(name);
    if (!s) throw new PbxError("not-found", "Recording not found");
    if (this.stored.has(destination)) throw new PbxError("conflict", "A recording with the same name already exists on the system");
    const copy = { ...structuredClone(s), name: destination };
    this.stored.set(destination, copy);
    return structuredClone(copy);
  }

  /** RecordingFinished (with the whole seconds recorded), the file kept unless canceled, then the recorder goes. */
  /** `recordedMs`: what it recorded, when known exactly (its maximum duration ran out; a timer may fire a hair early). */
  private finish(r: Live, state: "done" | "canceled", recordedMs?: number): void {
    if (this.live.get(r.name) !== r) return;
    this.live.delete(r.name);
    r.cancelTimer();
    const now = this.ctx.scheduler.now();
    if (r.runningSince !== undefined) r.recordedMs += Math.max(0, now - r.runningSince);
    if (recordedMs !== undefined) r.recordedMs = recordedMs;
    r.runningSince = undefined;
    r.state = state;
    // whole seconds written to the file (the beep and paused stretches are not on it)
    this.ctx.emit({ type: "RecordingFinished", recording: { ...snapshotOf(r), duration: Math.floor(r.recordedMs / 1000) } });
    if (state === "done") this.keep(r, now);
    const b = r.bridge;
    if (b.recorder?.id === r.recorderId) this.recorderLeaves(b);
  }

  /**
   * The recorder hangs up: it leaves the bridge (the parties' BRIDGEPEER follow unless it was alone) and its
   * device reports INUSE then UNKNOWN, or UNKNOWN twice when it was left alone (ami-25; AMI only).
   */
  private recorderLeaves(b: Bridge): void {
    const alone = b.recorder?.shown === true || b.destroyed;
    if (alone) b.recorder = undefined;
    else this.bridging.setRecorder(b, undefined);
    for (const state of alone ? (["UNKNOWN", "UNKNOWN"] as const) : (["INUSE", "UNKNOWN"] as const)) this.ctx.emit({ type: "DeviceStateChanged", device: "Recorder/ARI", state });
  }

  private keep(r: Live, now: number): void {
    const before = r.ifExists === "append" ? this.stored.get(r.name) : undefined;
    const durationMs = (before?.durationMs ?? 0) + r.recordedMs;
    this.stored.set(r.name, {
      name: r.name,
      format: r.format,
      targetUri: `bridge:${r.bridge.id}`,
      durationMs,
      bytes: wavFile(0).length + Math.max(0, Math.round((durationMs / 1000) * 8000)) * 2,
      startedAt: before?.startedAt ?? r.startedAt,
      endedAt: now,
      parties: [...r.parties].map(([id, name]) => ({ id, name })),
    });
  }

  /** Every live recording ends (the PBX stops): nothing is kept running. */
  clear(): void {
    for (const r of this.live.values()) r.cancelTimer();
    this.live.clear();
  }
}

function snapshotOf(r: Live): LiveRecordingSnapshot {
  return { name: r.name, format: r.format, state: r.state, targetUri: `bridge:${r.bridge.id}` };
}
