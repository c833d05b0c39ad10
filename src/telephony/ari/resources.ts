import { z } from "zod";

/**
 * ARI objects as Asterisk 22 sends them (snake_case field names kept, so they read like the wire and
 * the recordings). Fields Switchboard does not depend on are optional with defaults, so a minor server
 * difference never drops an event; unknown fields are stripped.
 */

export const CHANNEL_STATES = [
  "Down",
  "Rsrvd",
  "OffHook",
  "Dialing",
  "Ring",
  "Ringing",
  "Up",
  "Busy",
  "Dialing Offhook",
  "Pre-ring",
  "Unknown",
] as const;
export type AriChannelState = (typeof CHANNEL_STATES)[number];

const callerIdSchema = z.object({ name: z.string().default(""), number: z.string().default("") });

export const ariChannelSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  state: z.enum(CHANNEL_STATES).catch("Unknown"),
  protocol_id: z.string().optional(),
  caller: callerIdSchema.default({ name: "", number: "" }),
  connected: callerIdSchema.default({ name: "", number: "" }),
  accountcode: z.string().default(""),
  dialplan: z
    .object({
      context: z.string(),
      exten: z.string(),
      priority: z.number(),
      app_name: z.string().optional(),
      app_data: z.string().optional(),
    })
    .optional(),
  creationtime: z.string().optional(),
  language: z.string().optional(),
  channelvars: z.record(z.string(), z.string()).optional(),
});
export type AriChannel = z.infer<typeof ariChannelSchema>;

export const ariBridgeSchema = z.object({
  id: z.string().min(1),
  technology: z.string().optional(),
  bridge_type: z.string().optional(),
  bridge_class: z.string().optional(),
  creator: z.string().optional(),
  name: z.string().default(""),
  channels: z.array(z.string()).default([]),
  creationtime: z.string().optional(),
  video_mode: z.string().optional(),
});
export type AriBridge = z.infer<typeof ariBridgeSchema>;

export const PLAYBACK_STATES = ["queued", "playing", "continuing", "paused", "done", "failed", "cancelled"] as const;

export const ariPlaybackSchema = z.object({
  id: z.string().min(1),
  media_uri: z.string(),
  next_media_uri: z.string().optional(),
  target_uri: z.string(),
  language: z.string().optional(),
  state: z.string(),
});
export type AriPlayback = z.infer<typeof ariPlaybackSchema>;

export const ariApplicationSchema = z.object({
  name: z.string(),
  channel_ids: z.array(z.string()).default([]),
  bridge_ids: z.array(z.string()).default([]),
  endpoint_ids: z.array(z.string()).default([]),
  device_names: z.array(z.string()).default([]),
});
export type AriApplication = z.infer<typeof ariApplicationSchema>;

/**
 * An endpoint (`GET /endpoints`, `EndpointStateChange`): `online` while its phone is registered (or it has
 * a static contact), `offline` when configured but not registered; `channel_ids` are its live channels.
 */
export const ariEndpointSchema = z.object({
  technology: z.string(),
  resource: z.string(),
  state: z.string().default("unknown"),
  channel_ids: z.array(z.string()).default([]),
});
export type AriEndpoint = z.infer<typeof ariEndpointSchema>;

export const ariVariableSchema = z.object({ value: z.string() });

/** A recording in progress (`POST /bridges/{id}/record`, `GET /recordings/live/{name}`, the Recording* events). */
export const ariLiveRecordingSchema = z.object({
  name: z.string(),
  format: z.string().default(""),
  state: z.string(),
  target_uri: z.string().default(""),
  /** Whole seconds, once it is over. */
  duration: z.number().optional(),
  cause: z.string().optional(),
});
export type AriLiveRecording = z.infer<typeof ariLiveRecordingSchema>;

/** A finished recording on the server (`GET /recordings/stored`). */
export const ariStoredRecordingSchema = z.object({ name: z.string(), format: z.string().default("") });
export type AriStoredRecording = z.infer<typeof ariStoredRecordingSchema>;

/** What `GET /asterisk/info` tells us that is worth logging at connect. */
export const ariAsteriskInfoSchema = z.object({
  system: z.object({ version: z.string().optional(), entity_id: z.string().optional() }).optional(),
  build: z.object({ os: z.string().optional() }).optional(),
});
export type AriAsteriskInfo = z.infer<typeof ariAsteriskInfoSchema>;
