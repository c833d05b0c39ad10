import { AmiAuthError, AmiConfigError, AmiUnavailableError } from "./ami/errors.js";
import { AriAuthError, AriConfigError, AriUnavailableError } from "./ari/errors.js";

/**
 * Process exit codes for a daemon that cannot start its telephony connections (sysexits.h values,
 * so service managers and scripts can tell them apart).
 */
export const TELEPHONY_EXIT_CODES = {
  /** Asterisk refused the ARI or AMI credentials (EX_NOPERM). */
  auth: 77,
  /** Asterisk unreachable, stalled or answering errors (EX_UNAVAILABLE). */
  unavailable: 69,
  /** Configuration that cannot work: bad URL, missing secret, a second ARI server (EX_CONFIG). */
  config: 78,
} as const;

/** The exit code for a gateway start failure, or undefined for errors that are not the gateways'. */
export function telephonyExitCode(err: unknown): number | undefined {
  if (err instanceof AriAuthError || err instanceof AmiAuthError) return TELEPHONY_EXIT_CODES.auth;
  if (err instanceof AriConfigError || err instanceof AmiConfigError) return TELEPHONY_EXIT_CODES.config;
  if (err instanceof AriUnavailableError || err instanceof AmiUnavailableError) return TELEPHONY_EXIT_CODES.unavailable;
  return undefined;
}
