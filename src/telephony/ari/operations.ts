import { randomUUID } from "node:crypto";
import { z } from "zod";
import { AriInvalidInputError, AriNotFoundError, AriRequestError } from "./errors.js";
import {
  ariApplicationSchema,
  ariBridgeSchema,
  ariChannelSchema,
  ariEndpointSchema,
  ariLiveRecordingSchema,
  ariPlaybackSchema,
  ariStoredRecordingSchema,
  ariVariableSchema,
  type AriApplication,
  type AriBridge,
  type AriChannel,
  type AriEndpoint,
  type AriLiveRecording,
  type AriStoredRecording,
} from "./resources.js";

/**
 * The typed REST operations the call layer uses. Each validates its input, calls one ARI operation by
 * its API-declaration name and validates the reply. Failures are typed (errors.ts): AriNotFoundError,
 * AriConflictError, AriBadRequestError, AriServerError, AriTimeoutError, AriUnavailableError...
 *
 * Ordering: Asterisk may deliver the events an operation causes BEFORE its REST reply (recorded:
 * ChannelEnteredBridge before the addChannel 204, ChannelHangupRequest/StasisEnd before the hangup 204,
 * ChannelCreated/Dial before the originate 200). Choose ids yourself (originate `channelId`, play
 * `playbackId`, createBridge `bridgeId`) and be ready for their events before the promise resolves.
 */

/** Hangup causes ARI accepts by name (`DELETE /channels/{id}?reason=`). */
export const HANGUP_REASONS = [
  "normal",
  "busy",
  "congestion",
  "no_answer",
  "timeout",
  "rejected",
  "unallocated",
  "normal_unspecified",
  "number_incomplete",
  "codec_mismatch",
  "interworking",
  "failure",
  "answered_elsewhere",
] as const;
export type AriHangupReason = (typeof HANGUP_REASONS)[number];

export interface AriOriginateOptions {
  /** e.g. `PJSIP/agent7`, `Local/agent1@agents`. */
  endpoint: string;
  /** Stasis app the answered channel enters; defaults to the gateway's app. Ignored with `dialplan`. */
  app?: string;
  /** Arguments delivered in StasisStart `args`; items must not contain commas. */
  appArgs?: string[];
  /** Send the answered channel to the dialplan instead of an app. */
  dialplan?: { context: string; extension: string; priority?: number };
  /** `Name <number>`. */
  callerId?: string;
  /** Seconds to wait for an answer (Asterisk's default is 30). */
  timeoutSeconds?: number;
  /** Channel variables set on the new channel (and inherited by the other Local leg). */
  variables?: Record<string, string>;
  /** Choose the channel id, so events that beat the reply can be matched. */
  channelId?: string;
  otherChannelId?: string;
}

export interface AriCreateBridgeOptions {
  /** Bridge type flags; default `mixing`. */
  type?: string[];
  bridgeId?: string;
  name?: string;
}

/**
 * A snoop direction, the snooped channel's (res_stasis_snoop.c): `in` is what its own party says, `out` what
 * its party hears. A whisper `out` is heard by that party alone; a whisper `in` by the others in its bridge.
 */
export type AriSnoopDirection = "none" | "both" | "out" | "in";

export interface AriSnoopOptions {
  /** What the snoop channel hears of the channel (default `none`). */
  spy?: AriSnoopDirection;
  /** Where the snoop channel's own audio goes (default `none`); spy and whisper cannot both be `none`. */
  whisper?: AriSnoopDirection;
  /** Stasis app the snoop channel enters (StasisStart with `appArgs`); defaults to the gateway's app. */
  app?: string;
  appArgs?: string[];
  /** Choose the snoop channel's id, so its StasisStart can be matched before the reply. */
  snoopId?: string;
}

export interface AriRecordOptions {
  /** File name on the server (`<astspooldir>/recording/<name>.<format>`); letters, digits and `-_.` keep it portable. */
  name: string;
  /** Default `wav`. */
  format?: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  /** Asterisk's default is `fail` (409 when a stored recording has the name). */
  ifExists?: "fail" | "overwrite" | "append";
  beep?: boolean;
  terminateOn?: "none" | "any" | "*" | "#";
}

/** A stored recording's file as the server sends it, to be streamed on (its body must be read or destroyed). */
export interface AriFile {
  contentType: string;
  contentLength: number | undefined;
  body: NodeJS.ReadableStream & { destroy(error?: Error): void };
}

export interface AriCallOptions {
  /** Overrides the gateway's request timeout for this call. */
  timeoutMs?: number;
}

const voidResult = z.unknown();

function requireId(what: string, value: string): string {
  if (typeof value !== "string" || value.length === 0) throw new AriInvalidInputError(`${what} must be a non-empty string`);
  return value;
}

/** ARI lists are comma-separated on the wire: an item containing a comma would silently split. */
function listItems(what: string, items: readonly string[], allowEmptyList = false): string {
  if (!allowEmptyList && items.length === 0) throw new AriInvalidInputError(`${what} must not be empty`);
  for (const item of items) {
    if (typeof item !== "string") throw new AriInvalidInputError(`${what} items must be strings`);
    if (item.includes(",")) throw new AriInvalidInputError(`${what} item "${item}" contains a comma (ARI splits lists on commas)`);
  }
  return items.join(",");
}

export abstract class AriOperations {
  /** The Stasis application this gateway registers. */
  abstract readonly app: string;

  /**
   * Calls `resource.operation` with `params`, within the timeout, and validates the reply with
   * `schema`. Implemented by the gateway (connection, deadline, error mapping).
   */
  protected abstract invoke<T>(resource: string, operation: string, params: Record<string, unknown>, schema: z.ZodType<T>, opts?: AriCallOptions): Promise<T>;

  /** Whether the server's API declares the operation (some are optional, e.g. `channels.redirect`). */
  protected abstract supports(resource: string, operation: string): boolean;

  /**
   * GET of a binary body (`path` below the origin, e.g. `/ari/recordings/stored/x/file`) for streaming: resolves
   * once the 200's headers are in; another status rejects with the typed error of `operation`.
   */
  protected abstract download(operation: string, path: string, opts?: AriCallOptions): Promise<AriFile>;

  async answer(channelId: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("channels", "answer", { channelId: requireId("channelId", channelId) }, voidResult, opts);
  }

  /** Hangs up. Expect ChannelHangupRequest/StasisEnd for it, possibly before this resolves. */
  async hangup(channelId: string, cause: { reason?: AriHangupReason; reasonCode?: number } = {}, opts?: AriCallOptions): Promise<void> {
    const params: Record<string, unknown> = { channelId: requireId("channelId", channelId) };
    if (cause.reason !== undefined && cause.reasonCode !== undefined) throw new AriInvalidInputError("hangup takes reason or reasonCode, not both");
    if (cause.reason !== undefined) {
      if (!HANGUP_REASONS.includes(cause.reason)) throw new AriInvalidInputError(`unknown hangup reason "${cause.reason}"`);
      params.reason = cause.reason;
    }
    if (cause.reasonCode !== undefined) {
      if (!Number.isInteger(cause.reasonCode) || cause.reasonCode < 0) throw new AriInvalidInputError("reasonCode must be a Q.850 cause number");
      params.reason_code = cause.reasonCode;
    }
    await this.invoke("channels", "hangup", params, voidResult, opts);
  }

  /**
   * Plays `media` (e.g. `sound:demo-welcome`) in order; returns the playback id. Pass your own
   * `playbackId` (one is generated otherwise) to match PlaybackStarted/Finished that may beat the reply.
   */
  async play(channelId: string, media: readonly string[], playback: { playbackId?: string; lang?: string } = {}, opts?: AriCallOptions): Promise<string> {
    const playbackId = playback.playbackId ?? randomUUID();
    const params: Record<string, unknown> = {
      channelId: requireId("channelId", channelId),
      playbackId: requireId("playbackId", playbackId),
      media: listItems("media", media),
    };
    if (media.some((m) => m.length === 0)) throw new AriInvalidInputError("media URIs must not be empty");
    if (playback.lang !== undefined) params.lang = playback.lang;
    const op = this.supports("channels", "playWithId") ? "playWithId" : "play";
    const result = await this.invoke("channels", op, params, ariPlaybackSchema, opts);
    return result.id;
  }

  async stopPlayback(playbackId: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("playbacks", "stop", { playbackId: requireId("playbackId", playbackId) }, voidResult, opts);
  }

  async startMoh(channelId: string, mohClass?: string, opts?: AriCallOptions): Promise<void> {
    const params: Record<string, unknown> = { channelId: requireId("channelId", channelId) };
    if (mohClass !== undefined) params.mohClass = mohClass;
    await this.invoke("channels", "startMoh", params, voidResult, opts);
  }

  async stopMoh(channelId: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("channels", "stopMoh", { channelId: requireId("channelId", channelId) }, voidResult, opts);
  }

  /**
   * Mutes the channel's audio: `in` is what the channel sends (its party's voice), `out` what it hears.
   * No event follows (recorded: ws-19); Asterisk refuses a request without a direction (400).
   */
  async mute(channelId: string, direction: "both" | "in" | "out", opts?: AriCallOptions): Promise<void> {
    await this.invoke("channels", "mute", { channelId: requireId("channelId", channelId), direction }, voidResult, opts);
  }

  async unmute(channelId: string, direction: "both" | "in" | "out", opts?: AriCallOptions): Promise<void> {
    await this.invoke("channels", "unmute", { channelId: requireId("channelId", channelId), direction }, voidResult, opts);
  }

  /** Sends ringing to the caller (before answering). */
  async ring(channelId: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("channels", "ring", { channelId: requireId("channelId", channelId) }, voidResult, opts);
  }

  async ringStop(channelId: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("channels", "ringStop", { channelId: requireId("channelId", channelId) }, voidResult, opts);
  }

  async setVariable(channelId: string, name: string, value: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke(
      "channels",
      "setChannelVar",
      { channelId: requireId("channelId", channelId), variable: requireId("variable name", name), value },
      voidResult,
      opts,
    );
  }

  /** A channel variable or dialplan function (`CALLERID(num)`); undefined when it is not set. */
  async getVariable(channelId: string, name: string, opts?: AriCallOptions): Promise<string | undefined> {
    try {
      const result = await this.invoke(
        "channels",
        "getChannelVar",
        { channelId: requireId("channelId", channelId), variable: requireId("variable name", name) },
        ariVariableSchema,
        opts,
      );
      return result.value;
    } catch (err) {
      // recorded: 404 "Provided variable was not found" (unset) vs "Provided channel was not found"
      if (err instanceof AriNotFoundError && /variable/i.test(err.serverMessage)) return undefined;
      throw err;
    }
  }

  /** Leaves Stasis and continues in the dialplan (at the given place, or where the channel was). */
  async continueInDialplan(
    channelId: string,
    target: { context?: string; extension?: string; priority?: number; label?: string } = {},
    opts?: AriCallOptions,
  ): Promise<void> {
    const params: Record<string, unknown> = { channelId: requireId("channelId", channelId) };
    if (target.context !== undefined) params.context = target.context;
    if (target.extension !== undefined) params.extension = target.extension;
    if (target.priority !== undefined) params.priority = target.priority;
    if (target.label !== undefined) params.label = target.label;
    await this.invoke("channels", "continueInDialplan", params, voidResult, opts);
  }

  /** Redirects the channel to another endpoint (a transfer). AriUnsupportedError if the server lacks it. */
  async redirect(channelId: string, endpoint: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke(
      "channels",
      "redirect",
      { channelId: requireId("channelId", channelId), endpoint: requireId("endpoint", endpoint) },
      voidResult,
      opts,
    );
  }

  /**
   * Originates a channel. Resolves with the new channel (state Down); the call's progress comes as
   * events (Dial, ChannelStateChange, StasisStart once answered, or ChannelDestroyed cause 19 when the
   * timeout passes unanswered). Asterisk answers 200 even for a Local channel into a missing context.
   */
  async originate(o: AriOriginateOptions, opts?: AriCallOptions): Promise<AriChannel> {
    const params: Record<string, unknown> = { endpoint: requireId("endpoint", o.endpoint) };
    if (o.dialplan) {
      params.context = requireId("dialplan.context", o.dialplan.context);
      params.extension = requireId("dialplan.extension", o.dialplan.extension);
      params.priority = o.dialplan.priority ?? 1;
    } else {
      params.app = requireId("app", o.app ?? this.app);
      if (o.appArgs && o.appArgs.length > 0) params.appArgs = listItems("appArgs", o.appArgs);
    }
    if (o.callerId !== undefined) params.callerId = o.callerId;
    if (o.timeoutSeconds !== undefined) {
      if (!Number.isInteger(o.timeoutSeconds) || o.timeoutSeconds < -1) throw new AriInvalidInputError("timeoutSeconds must be a whole number of seconds");
      params.timeout = o.timeoutSeconds;
    }
    if (o.channelId !== undefined) params.channelId = requireId("channelId", o.channelId);
    if (o.otherChannelId !== undefined) params.otherChannelId = requireId("otherChannelId", o.otherChannelId);
    if (o.variables !== undefined) {
      for (const [k, v] of Object.entries(o.variables)) {
        if (k.length === 0) throw new AriInvalidInputError("variable names must not be empty");
        if (typeof v !== "string") throw new AriInvalidInputError(`variable ${k} must be a string`);
      }
      // pre-wrapped: ari-client wraps `variables` itself unless it already has a `variables` key,
      // which would misfire for a channel variable named "variables"
      params.variables = { variables: o.variables };
    }
    return this.invoke("channels", "originate", params, ariChannelSchema, opts);
  }

  async getChannel(channelId: string, opts?: AriCallOptions): Promise<AriChannel> {
    return this.invoke("channels", "get", { channelId: requireId("channelId", channelId) }, ariChannelSchema, opts);
  }

  /** asterisk.conf `systemname` ("" when unset): it prefixes channel ids, keeping them unique across servers. */
  async systemName(opts?: AriCallOptions): Promise<string> {
    const info = await this.invoke("asterisk", "getInfo", { only: "config" }, z.object({ config: z.object({ name: z.string() }) }), opts);
    return info.config.name;
  }

  /** This gateway's Stasis application as Asterisk sees it (`channel_ids`, `bridge_ids`...). */
  async getApplication(opts?: AriCallOptions): Promise<AriApplication> {
    return this.invoke("applications", "get", { applicationName: this.app }, ariApplicationSchema, opts);
  }

  /**
   * Channels that belong to this application right now (for restart recovery): `GET /applications/{app}`
   * channel_ids joined with `GET /channels`. Includes the other Local legs of app-originated calls, which
   * are not in Stasis (dialplan.app_name tells). A channel that vanishes between the two reads is left out.
   */
  async listChannels(opts?: AriCallOptions): Promise<AriChannel[]> {
    const app = await this.getApplication(opts);
    if (app.channel_ids.length === 0) return [];
    const all = await this.invoke("channels", "list", {}, z.array(ariChannelSchema), opts);
    const ids = new Set(app.channel_ids);
    return all.filter((c) => ids.has(c.id));
  }

  /** The server's endpoints (`GET /endpoints`), or one technology's (`GET /endpoints/{tech}`). */
  async listEndpoints(tech?: string, opts?: AriCallOptions): Promise<AriEndpoint[]> {
    if (tech !== undefined) return this.invoke("endpoints", "listByTech", { tech: requireId("tech", tech) }, z.array(ariEndpointSchema), opts);
    return this.invoke("endpoints", "list", {}, z.array(ariEndpointSchema), opts);
  }

  /**
   * Subscribes this gateway's app to event sources (`endpoint:PJSIP/1001`, `endpoint:PJSIP`, `channel:<id>`,
   * `bridge:<id>`, `deviceState:<name>`): their events come on the app's WebSocket from now on, until
   * Asterisk restarts (subscribe again on every reconnect). A source that does not exist is refused (422).
   */
  async subscribe(eventSources: readonly string[], opts?: AriCallOptions): Promise<AriApplication> {
    const params = { applicationName: this.app, eventSource: listItems("eventSource", eventSources) };
    return this.invoke("applications", "subscribe", params, ariApplicationSchema, opts);
  }

  async unsubscribe(eventSources: readonly string[], opts?: AriCallOptions): Promise<AriApplication> {
    const params = { applicationName: this.app, eventSource: listItems("eventSource", eventSources) };
    return this.invoke("applications", "unsubscribe", params, ariApplicationSchema, opts);
  }

  async createBridge(b: AriCreateBridgeOptions = {}, opts?: AriCallOptions): Promise<AriBridge> {
    const params: Record<string, unknown> = { type: listItems("type", b.type ?? ["mixing"]) };
    if (b.name !== undefined) params.name = b.name;
    if (b.bridgeId !== undefined) {
      params.bridgeId = requireId("bridgeId", b.bridgeId);
      if (this.supports("bridges", "createWithId")) return this.invoke("bridges", "createWithId", params, ariBridgeSchema, opts);
    }
    return this.invoke("bridges", "create", params, ariBridgeSchema, opts);
  }

  /** Adds channels; expect ChannelEnteredBridge, possibly before this resolves. */
  async addChannel(bridgeId: string, channelIds: string | readonly string[], role?: string, opts?: AriCallOptions): Promise<void> {
    const params: Record<string, unknown> = {
      bridgeId: requireId("bridgeId", bridgeId),
      channel: listItems("channel", typeof channelIds === "string" ? [channelIds] : channelIds),
    };
    if (role !== undefined) params.role = role;
    await this.invoke("bridges", "addChannel", params, voidResult, opts);
  }

  async removeChannel(bridgeId: string, channelIds: string | readonly string[], opts?: AriCallOptions): Promise<void> {
    const params = {
      bridgeId: requireId("bridgeId", bridgeId),
      channel: listItems("channel", typeof channelIds === "string" ? [channelIds] : channelIds),
    };
    await this.invoke("bridges", "removeChannel", params, voidResult, opts);
  }

  async destroyBridge(bridgeId: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("bridges", "destroy", { bridgeId: requireId("bridgeId", bridgeId) }, voidResult, opts);
  }

  async getBridge(bridgeId: string, opts?: AriCallOptions): Promise<AriBridge> {
    return this.invoke("bridges", "get", { bridgeId: requireId("bridgeId", bridgeId) }, ariBridgeSchema, opts);
  }

  /**
   * A snoop channel on `channelId` (`POST /channels/{id}/snoop`): up at once, in the app (StasisStart, maybe
   * before the reply), bridge it with a listener. It ends as a dialplan channel does (ChannelHangupRequest,
   * StasisEnd, no ChannelDestroyed), also by itself when the snooped channel goes.
   */
  async snoop(channelId: string, o: AriSnoopOptions, opts?: AriCallOptions): Promise<AriChannel> {
    const spy = o.spy ?? "none";
    const whisper = o.whisper ?? "none";
    if (spy === "none" && whisper === "none") throw new AriInvalidInputError("a snoop needs spy or whisper");
    const params: Record<string, unknown> = { channelId: requireId("channelId", channelId), spy, whisper, app: requireId("app", o.app ?? this.app) };
    if (o.appArgs && o.appArgs.length > 0) params.appArgs = listItems("appArgs", o.appArgs);
    if (o.snoopId === undefined) return this.invoke("channels", "snoopChannel", params, ariChannelSchema, opts);
    params.snoopId = requireId("snoopId", o.snoopId);
    const op = this.supports("channels", "snoopChannelWithId") ? "snoopChannelWithId" : "snoopChannel";
    return this.invoke("channels", op, params, ariChannelSchema, opts);
  }

  /**
   * Records a bridge (`POST /bridges/{id}/record`): answers with the recording `queued`; RecordingStarted and
   * RecordingFinished come to the apps following the bridge. It ends with `stopRecording`, its maximum
   * duration, or when the bridge's last channel leaves.
   */
  async recordBridge(bridgeId: string, o: AriRecordOptions, opts?: AriCallOptions): Promise<AriLiveRecording> {
    const params: Record<string, unknown> = { bridgeId: requireId("bridgeId", bridgeId), name: requireId("name", o.name), format: o.format ?? "wav" };
    if (o.maxDurationSeconds !== undefined) params.maxDurationSeconds = o.maxDurationSeconds;
    if (o.maxSilenceSeconds !== undefined) params.maxSilenceSeconds = o.maxSilenceSeconds;
    if (o.ifExists !== undefined) params.ifExists = o.ifExists;
    if (o.beep !== undefined) params.beep = o.beep;
    if (o.terminateOn !== undefined) params.terminateOn = o.terminateOn;
    return this.invoke("bridges", "record", params, ariLiveRecordingSchema, opts);
  }

  /** Stops a live recording and keeps the file (RecordingFinished `done`). */
  async stopRecording(name: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("recordings", "stop", { recordingName: requireId("name", name) }, voidResult, opts);
  }

  /** Stops a live recording and discards it. */
  async cancelRecording(name: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("recordings", "cancel", { recordingName: requireId("name", name) }, voidResult, opts);
  }

  async getLiveRecording(name: string, opts?: AriCallOptions): Promise<AriLiveRecording> {
    return this.invoke("recordings", "getLive", { recordingName: requireId("name", name) }, ariLiveRecordingSchema, opts);
  }

  async listStoredRecordings(opts?: AriCallOptions): Promise<AriStoredRecording[]> {
    return this.invoke("recordings", "listStored", {}, z.array(ariStoredRecordingSchema), opts);
  }

  /** Deletes a stored recording; AriNotFoundError when there is none of that name. */
  async deleteStoredRecording(name: string, opts?: AriCallOptions): Promise<void> {
    await this.invoke("recordings", "deleteStored", { recordingName: requireId("name", name) }, voidResult, opts);
  }

  /** The stored recording's file (`GET /recordings/stored/{name}/file`), to stream: ari-client would buffer and decode it. */
  async storedRecordingFile(name: string, opts?: AriCallOptions): Promise<AriFile> {
    return this.download("recordings.getStoredFile", `/ari/recordings/stored/${encodeURIComponent(requireId("name", name))}/file`, opts);
  }
}

/** A reply that does not have the expected shape (a server or simulator bug). */
export function unexpectedReply(operation: string, detail: string, serverId?: string): AriRequestError {
  return new AriRequestError("ARI_REQUEST_FAILED", operation, `unexpected reply: ${detail}`, undefined, serverId);
}
