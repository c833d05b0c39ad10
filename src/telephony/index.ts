/**
 * Asterisk adapters: AriGateway (ARI over ari-client) and AmiGateway (AMI over asterisk-manager).
 * The call layer uses only what is exported here. See docs/telephony.md.
 */
export * from "./ari/index.js";
export * from "./ami/index.js";
export { TELEPHONY_EXIT_CODES, telephonyExitCode } from "./exit-codes.js";
export { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from "./backoff.js";
export type { LinkState } from "./connection-loop.js";
export type { Listener } from "./emitter.js";
