export const QUEUE_ERROR_CODES = [
  "SBQ_INVALID_INPUT",
  "SBQ_UNKNOWN_QUEUE",
  "SBQ_UNKNOWN_CALL",
  "SBQ_UNKNOWN_AGENT",
  "SBQ_DUPLICATE_CALL",
  "SBQ_NOT_OFFERED",
  "SBQ_INVALID_TRANSITION",
  "SBQ_ENDPOINT_TAKEN",
  "SBQ_AGENT_BUSY",
] as const;
export type QueueErrorCode = (typeof QUEUE_ERROR_CODES)[number];

/** A refused queue operation: `code` for programs, `message` for people. */
export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "QueueError";
  }
}

const CODES = new Set<string>(QUEUE_ERROR_CODES);

/**
 * The Lua functions fail with "<CODE> <message>"; Redis appends " script: <function>, on
 * @user_function:<line>." to errors raised inside one. Anything else (connection loss, a bug) passes through
 * unchanged.
 */
export function fromScriptError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const m = /^(SBQ_[A-Z_]+) (.*?)(?: script: \S+, on @user_(?:function|script):\d+\.)?$/s.exec(err.message);
  if (!m || !CODES.has(m[1]!)) return err;
  return new QueueError(m[1] as QueueErrorCode, m[2]!);
}
