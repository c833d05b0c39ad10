import { z } from "zod";
import { ariBridgeSchema, ariChannelSchema, ariEndpointSchema, ariLiveRecordingSchema, ariPlaybackSchema } from "./resources.js";

/**
 * The ARI WebSocket events Switchboard uses, validated with zod. Frames are parsed here, at the edge:
 * a garbage frame, an unknown event type or a malformed known event is reported and dropped, never
 * thrown (ari-client would throw from inside the socket's message handler and kill the process).
 */

const base = {
  timestamp: z.string().optional(),
  application: z.string().optional(),
  asterisk_id: z.string().optional(),
};

const channelEvent = <T extends string>(type: T) => z.object({ ...base, type: z.literal(type), channel: ariChannelSchema });

export const stasisStartSchema = z.object({
  ...base,
  type: z.literal("StasisStart"),
  /** Stasis() dialplan arguments, or the originate's appArgs split on commas. */
  args: z.array(z.string()).default([]),
  channel: ariChannelSchema,
  replace_channel: ariChannelSchema.optional(),
});
export const stasisEndSchema = channelEvent("StasisEnd");
export const channelStateChangeSchema = channelEvent("ChannelStateChange");
export const channelDtmfReceivedSchema = z.object({
  ...base,
  type: z.literal("ChannelDtmfReceived"),
  digit: z.string().min(1),
  duration_ms: z.number().optional(),
  channel: ariChannelSchema,
});
export const channelHangupRequestSchema = z.object({
  ...base,
  type: z.literal("ChannelHangupRequest"),
  /** 32 + soft:true for a hangup through ARI (whatever the reason); 16 and no soft for a remote hangup. */
  cause: z.number().optional(),
  soft: z.boolean().optional(),
  channel: ariChannelSchema,
});
export const channelDestroyedSchema = z.object({
  ...base,
  type: z.literal("ChannelDestroyed"),
  cause: z.number(),
  cause_txt: z.string().default(""),
  channel: ariChannelSchema,
});
const bridgeChannelEvent = <T extends string>(type: T) =>
  z.object({ ...base, type: z.literal(type), bridge: ariBridgeSchema, channel: ariChannelSchema });
export const channelEnteredBridgeSchema = bridgeChannelEvent("ChannelEnteredBridge");
export const channelLeftBridgeSchema = bridgeChannelEvent("ChannelLeftBridge");
export const bridgeDestroyedSchema = z.object({ ...base, type: z.literal("BridgeDestroyed"), bridge: ariBridgeSchema });
const playbackEvent = <T extends string>(type: T) => z.object({ ...base, type: z.literal(type), playback: ariPlaybackSchema });
export const playbackStartedSchema = playbackEvent("PlaybackStarted");
export const playbackContinuingSchema = playbackEvent("PlaybackContinuing");
export const playbackFinishedSchema = playbackEvent("PlaybackFinished");
export const dialSchema = z.object({
  ...base,
  type: z.literal("Dial"),
  /** "" when dialing starts, then RINGING, ANSWER, BUSY, NOANSWER, CANCEL... */
  dialstatus: z.string().default(""),
  dialstring: z.string().optional(),
  forward: z.string().optional(),
  peer: ariChannelSchema,
  caller: ariChannelSchema.optional(),
  forwarded: ariChannelSchema.optional(),
});
export const channelVarsetSchema = z.object({
  ...base,
  type: z.literal("ChannelVarset"),
  variable: z.string(),
  value: z.string().default(""),
  /** Absent for global variables. */
  channel: ariChannelSchema.optional(),
});
/**
 * An endpoint the app subscribed to (`subscribe("endpoint:PJSIP/1001")`) changed: its phone registered
 * (`online`) or unregistered (`offline`), or a channel was added to it or removed from it.
 */
export const endpointStateChangeSchema = z.object({ ...base, type: z.literal("EndpointStateChange"), endpoint: ariEndpointSchema });
/**
 * A bridge recording started, finished (`done`, or `canceled`) or failed: delivered to the apps that follow
 * the bridge (the recorder's messages are forwarded to the bridge's topic).
 */
const recordingEvent = <T extends string>(type: T) => z.object({ ...base, type: z.literal(type), recording: ariLiveRecordingSchema });
export const recordingStartedSchema = recordingEvent("RecordingStarted");
export const recordingFinishedSchema = recordingEvent("RecordingFinished");
export const recordingFailedSchema = recordingEvent("RecordingFailed");
/** Another WebSocket registered the same application name: this connection gets no more events. */
export const applicationReplacedSchema = z.object({ ...base, type: z.literal("ApplicationReplaced") });

export const ariEventSchema = z.discriminatedUnion("type", [
  stasisStartSchema,
  stasisEndSchema,
  channelStateChangeSchema,
  channelDtmfReceivedSchema,
  channelHangupRequestSchema,
  channelDestroyedSchema,
  channelEnteredBridgeSchema,
  channelLeftBridgeSchema,
  bridgeDestroyedSchema,
  playbackStartedSchema,
  playbackContinuingSchema,
  playbackFinishedSchema,
  dialSchema,
  channelVarsetSchema,
  endpointStateChangeSchema,
  recordingStartedSchema,
  recordingFinishedSchema,
  recordingFailedSchema,
  applicationReplacedSchema,
]);

export type AriEvent = z.infer<typeof ariEventSchema>;
export type AriEventType = AriEvent["type"];
export type AriEventOf<T extends AriEventType> = Extract<AriEvent, { type: T }>;

export const ARI_EVENT_TYPES: readonly AriEventType[] = ariEventSchema.options.map((o) => o.shape.type.value);
const KNOWN = new Set<string>(ARI_EVENT_TYPES);

export type FrameResult =
  | { kind: "event"; event: AriEvent }
  /** A well-formed event of a type Switchboard does not use. */
  | { kind: "ignored"; type: string }
  /** Not JSON, not an object, no type, or a known type whose fields do not validate. */
  | { kind: "invalid"; reason: string; type?: string };

/** Parses one WebSocket frame. Never throws. */
export function parseAriFrame(data: string | Buffer, isBinary = false): FrameResult {
  if (isBinary) return { kind: "invalid", reason: "binary frame" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
  } catch {
    return { kind: "invalid", reason: "frame is not JSON" };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { kind: "invalid", reason: "frame is not a JSON object" };
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== "string" || type.length === 0) return { kind: "invalid", reason: "frame has no event type" };
  if (!KNOWN.has(type)) return { kind: "ignored", type };
  const result = ariEventSchema.safeParse(parsed);
  if (!result.success) return { kind: "invalid", type, reason: z.prettifyError(result.error) };
  return { kind: "event", event: result.data };
}
