/** AMI adapter: the interface the daemon uses. See docs/telephony.md. */
export {
  AmiGateway,
  amiGatewayOptions,
  type AmiGatewayOptions,
  type AmiGatewayEvents,
  type AmiGatewayState,
  type AmiOriginateOptions,
  type AmiCallOptions,
} from "./gateway.js";
export type { AmiListResult } from "./connection.js";
export * from "./errors.js";
export {
  AMI_EVENT_TYPES,
  DEVICE_STATES,
  parseAmiEvent,
  type AmiTypedEvent,
  type AmiEventType,
  type AmiDeviceState,
  type AmiDeviceStateChange,
  type AmiNewchannel,
  type AmiHangup,
  type AmiCdr,
  type AmiFullyBooted,
  type AmiChannelRow,
  type AmiDeviceStateRow,
  type AmiOriginateResult,
} from "./events.js";
export { buildAction, field, type AmiFields, type AmiFieldValue, type AmiMessage } from "./wire.js";
