/** ARI adapter: the interface the call layer uses. See docs/telephony.md. */
export { AriGateway, type AriGatewayEvents, type AriConnectionEvents, type AriGatewayState, type WithServer } from "./gateway.js";
export { ariGatewayOptions, ariOrigin, ARI_DEFAULTS, type AriGatewayOptions } from "./options.js";
export {
  HANGUP_REASONS,
  type AriHangupReason,
  type AriOriginateOptions,
  type AriCreateBridgeOptions,
  type AriCallOptions,
  type AriSnoopOptions,
  type AriRecordOptions,
  type AriSnoopDirection,
  type AriFile,
} from "./operations.js";
export * from "./errors.js";
export { ARI_EVENT_TYPES, ariEventSchema, parseAriFrame, type AriEvent, type AriEventOf, type AriEventType, type FrameResult } from "./events.js";
export {
  CHANNEL_STATES,
  ariChannelSchema,
  ariBridgeSchema,
  ariPlaybackSchema,
  ariApplicationSchema,
  ariEndpointSchema,
  ariLiveRecordingSchema,
  ariStoredRecordingSchema,
  type AriLiveRecording,
  type AriStoredRecording,
  type AriChannel,
  type AriChannelState,
  type AriBridge,
  type AriPlayback,
  type AriApplication,
  type AriEndpoint,
} from "./resources.js";
