/** The one error type the PBX throws: each protocol maps `code` to its own status and wording. */

export type PbxErrorCode =
  | "not-found"
  | "not-in-stasis"
  | "bad-request"
  | "conflict"
  | "allocation-failed"
  | "invalid-endpoint"
  | "not-in-bridge"
  | "bridge-create-failed"
  | "playback-failed"
  /** A request that is well-formed but cannot be done to this channel (ARI 422). */
  | "unprocessable"
  /** The PBX could not do it (ARI 500 with the message: a snoop or a recording that could not be set up). */
  | "internal";

/** A refused operation; `code` lets each protocol pick its own status and wording. */
export class PbxError extends Error {
  constructor(
    readonly code: PbxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PbxError";
  }
}
