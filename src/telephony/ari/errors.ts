/**
 * Typed ARI failures. ari-client rejects with plain Errors whose message is the raw response body and
 * no status code; `fromLibraryRejection` turns those into the classes below, using the bodies recorded
 * from Asterisk 22 (see /work/shared/asterisk-fixtures/ari-rest) to recover the HTTP status.
 */
/** library.ts prefixes requests that got no HTTP reply at all (refused, reset) with this. */
export const TRANSPORT_FAILURE_PREFIX = "Switchboard: no HTTP reply from ARI: ";

export type AriErrorCode =
  | "ARI_AUTH"
  | "ARI_UNAVAILABLE"
  | "ARI_TIMEOUT"
  | "ARI_NOT_FOUND"
  | "ARI_CONFLICT"
  | "ARI_BAD_REQUEST"
  | "ARI_SERVER_ERROR"
  | "ARI_REQUEST_FAILED"
  | "ARI_UNSUPPORTED"
  | "ARI_INVALID_INPUT"
  | "ARI_CONFIG";

export class AriError extends Error {
  constructor(
    readonly code: AriErrorCode,
    message: string,
    readonly serverId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AriError";
  }
}

/** Asterisk refused the credentials (HTTP 401). Retrying will not help until the config changes. */
export class AriAuthError extends AriError {
  readonly status = 401;
  constructor(message: string, serverId?: string, options?: { cause?: unknown }) {
    super("ARI_AUTH", message, serverId, options);
    this.name = "AriAuthError";
  }
}

/** The server could not be reached, stalled, or the gateway is not connected (or stopped). */
export class AriUnavailableError extends AriError {
  constructor(message: string, serverId?: string, options?: { cause?: unknown; code?: "ARI_UNAVAILABLE" | "ARI_TIMEOUT" }) {
    super(options?.code ?? "ARI_UNAVAILABLE", message, serverId, options);
    this.name = "AriUnavailableError";
  }
}

/**
 * A request got no answer in time. The operation may or may not have happened on the server: callers
 * must reconcile from events or a fresh GET, not assume either outcome.
 */
export class AriTimeoutError extends AriUnavailableError {
  constructor(message: string, serverId?: string) {
    super(message, serverId, { code: "ARI_TIMEOUT" });
    this.name = "AriTimeoutError";
  }
}

/** Asterisk answered the request with an error. `status` is the HTTP status when it is known. */
export class AriRequestError extends AriError {
  constructor(
    code: "ARI_NOT_FOUND" | "ARI_CONFLICT" | "ARI_BAD_REQUEST" | "ARI_SERVER_ERROR" | "ARI_REQUEST_FAILED",
    readonly operation: string,
    readonly serverMessage: string,
    readonly status: number | undefined,
    serverId?: string,
  ) {
    super(code, `${operation}: ${serverMessage}${status === undefined ? "" : ` (HTTP ${status})`}`, serverId);
    this.name = "AriRequestError";
  }
}

/** The channel, bridge, playback or application does not exist (any more). */
export class AriNotFoundError extends AriRequestError {
  constructor(operation: string, serverMessage: string, status: number | undefined, serverId?: string) {
    super("ARI_NOT_FOUND", operation, serverMessage, status, serverId);
    this.name = "AriNotFoundError";
  }
}

/** The object exists but is in the wrong state (not in Stasis, not in this bridge, duplicate id...). */
export class AriConflictError extends AriRequestError {
  constructor(operation: string, serverMessage: string, status: number | undefined, serverId?: string) {
    super("ARI_CONFLICT", operation, serverMessage, status, serverId);
    this.name = "AriConflictError";
  }
}

export class AriBadRequestError extends AriRequestError {
  constructor(operation: string, serverMessage: string, status: number | undefined, serverId?: string) {
    super("ARI_BAD_REQUEST", operation, serverMessage, status, serverId);
    this.name = "AriBadRequestError";
  }
}

export class AriServerError extends AriRequestError {
  constructor(operation: string, serverMessage: string, status: number | undefined, serverId?: string) {
    super("ARI_SERVER_ERROR", operation, serverMessage, status, serverId);
    this.name = "AriServerError";
  }
}

/** The server's API declarations do not offer an operation the gateway needs. */
export class AriUnsupportedError extends AriError {
  constructor(message: string, serverId?: string) {
    super("ARI_UNSUPPORTED", message, serverId);
    this.name = "AriUnsupportedError";
  }
}

/** The caller passed something that cannot be sent (empty id, a comma inside a list item...). */
export class AriInvalidInputError extends AriError {
  constructor(message: string, serverId?: string) {
    super("ARI_INVALID_INPUT", message, serverId);
    this.name = "AriInvalidInputError";
  }
}

/** Configuration that cannot work: a second ARI server in one process, a bad URL, a missing secret. */
export class AriConfigError extends AriError {
  constructor(message: string, serverId?: string) {
    super("ARI_CONFIG", message, serverId);
    this.name = "AriConfigError";
  }
}

export type AriFailureKind = "auth" | "not-found" | "conflict" | "bad-request" | "server" | "unknown";

interface KnownBody {
  match: string | RegExp;
  kind: AriFailureKind;
  status: number;
  /** Operations for which Asterisk uses a different status for the same text. */
  statusFor?: Record<string, number>;
}

/** Error bodies as recorded from Asterisk 22.10 (ari-rest/*.jsonl), with their HTTP status. */
const KNOWN_BODIES: KnownBody[] = [
  { match: "Authentication required", kind: "auth", status: 401 },
  { match: "Channel not found", kind: "not-found", status: 404, statusFor: { "bridges.addChannel": 400, "bridges.removeChannel": 400 } },
  { match: "Provided channel was not found", kind: "not-found", status: 404 },
  { match: "Provided variable was not found", kind: "not-found", status: 404 },
  { match: "Bridge not found", kind: "not-found", status: 404 },
  { match: "Playback not found", kind: "not-found", status: 404 },
  { match: "Application not found", kind: "not-found", status: 404 },
  { match: "Resource not found", kind: "not-found", status: 404 },
  { match: /^ARI URLs do not end with a slash/, kind: "not-found", status: 404 },
  { match: "Endpoint not found", kind: "not-found", status: 404 },
  { match: /^No Endpoints found - invalid tech /, kind: "not-found", status: 404 },
  // not recorded: Asterisk 22's texts for a subscription to a source that does not exist / is not subscribed
  { match: "Event source does not exist", kind: "not-found", status: 422 },
  { match: "Event source was not subscribed to", kind: "conflict", status: 422 },
  { match: "Invalid event source URI scheme", kind: "bad-request", status: 400 },
  { match: "Channel not in Stasis application", kind: "conflict", status: 409, statusFor: { "bridges.addChannel": 422 } },
  { match: "Channel not in this bridge", kind: "conflict", status: 422 },
  { match: "Channel with given unique ID already exists", kind: "conflict", status: 409 },
  { match: /^Can only \w+ while/, kind: "conflict", status: 409 },
  { match: "Invalid method", kind: "bad-request", status: 405 },
  { match: "Endpoint must be specified", kind: "bad-request", status: 400 },
  { match: "Application or extension must be specified", kind: "bad-request", status: 400 },
  { match: "Invalid endpoint specified", kind: "bad-request", status: 400 },
  { match: "Error parsing request body", kind: "bad-request", status: 400 },
  { match: "Invalid reason for hangup reason provided", kind: "bad-request", status: 400 },
  { match: "Variable name is required", kind: "bad-request", status: 400 },
  { match: "Missing operation", kind: "bad-request", status: 400 },
  { match: /^Missing parameter /, kind: "bad-request", status: 400 },
  { match: /^Invalid operation /, kind: "bad-request", status: 400 },
  { match: "Failed to queue media for playback", kind: "server", status: 500 },
  { match: "Allocation failed", kind: "server", status: 500 },
  { match: /^Unable to create bridge/, kind: "server", status: 500 },
];

export interface ClassifiedFailure {
  kind: AriFailureKind;
  status: number | undefined;
  /** The server's own words: `message` (or `error`) of a JSON body, else the trimmed text. */
  message: string;
}

/** Extracts the human message from an ARI error body: `{"message":...}`, `{"error":...}` or plain text/HTML. */
export function errorBodyText(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (parsed && typeof parsed === "object") {
        const rec = parsed as Record<string, unknown>;
        if (typeof rec.message === "string") return rec.message;
        if (typeof rec.error === "string") return rec.error;
      }
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  const title = /<title>([^<]*)<\/title>/i.exec(trimmed);
  if (title?.[1]) return title[1].trim();
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}...` : trimmed;
}

/**
 * Classifies an error body for an operation (`resource.nickname`, e.g. `channels.answer`). Exact
 * recorded texts give the recorded status; other texts are classified by wording with no status.
 */
export function classifyAriFailure(operation: string, body: string, knownStatus?: number): ClassifiedFailure {
  const message = errorBodyText(body);
  for (const known of KNOWN_BODIES) {
    const hit = typeof known.match === "string" ? message === known.match : known.match.test(message);
    if (hit) return { kind: known.kind, status: knownStatus ?? known.statusFor?.[operation] ?? known.status, message };
  }
  if (knownStatus !== undefined) return { kind: kindForStatus(knownStatus), status: knownStatus, message };
  if (/not found/i.test(message)) return { kind: "not-found", status: undefined, message };
  if (/already exists|not in /i.test(message)) return { kind: "conflict", status: undefined, message };
  if (/required|must be|invalid|missing/i.test(message)) return { kind: "bad-request", status: undefined, message };
  return { kind: "unknown", status: undefined, message };
}

function kindForStatus(status: number): AriFailureKind {
  if (status === 401) return "auth";
  if (status === 404) return "not-found";
  if (status === 409 || status === 422) return "conflict";
  if (status >= 400 && status < 500) return "bad-request";
  if (status >= 500) return "server";
  return "unknown";
}

export function errorForFailure(operation: string, failure: ClassifiedFailure, serverId?: string): AriError {
  switch (failure.kind) {
    case "auth":
      return new AriAuthError(`${operation}: ${failure.message}`, serverId);
    case "not-found":
      return new AriNotFoundError(operation, failure.message, failure.status, serverId);
    case "conflict":
      return new AriConflictError(operation, failure.message, failure.status, serverId);
    case "bad-request":
      return new AriBadRequestError(operation, failure.message, failure.status, serverId);
    case "server":
      return new AriServerError(operation, failure.message, failure.status, serverId);
    default:
      return new AriRequestError("ARI_REQUEST_FAILED", operation, failure.message, failure.status, serverId);
  }
}

/**
 * Maps whatever an ari-client operation rejected with to a typed error. The library rejects with an
 * Error whose message is the response body, with the raw response object when the body was empty
 * (that one still has `status`), or with a bare string (swagger-client's "x is a required path param.").
 */
export function fromLibraryRejection(operation: string, reason: unknown, serverId?: string): AriError {
  if (reason instanceof AriError) return reason;
  if (reason instanceof Error && reason.message.startsWith(TRANSPORT_FAILURE_PREFIX)) {
    return new AriUnavailableError(`${operation}: ${reason.message.slice(TRANSPORT_FAILURE_PREFIX.length)}`, serverId);
  }
  if (reason instanceof Error) return errorForFailure(operation, classifyAriFailure(operation, reason.message), serverId);
  if (typeof reason === "string") {
    if (/required path param/.test(reason)) return new AriInvalidInputError(`${operation}: ${reason}`, serverId);
    return errorForFailure(operation, classifyAriFailure(operation, reason), serverId);
  }
  if (reason && typeof reason === "object") {
    const rec = reason as { status?: unknown; data?: unknown };
    const status = typeof rec.status === "number" && rec.status > 0 ? rec.status : undefined;
    const data = typeof rec.data === "string" ? rec.data : Buffer.isBuffer(rec.data) ? rec.data.toString("utf8") : "";
    if (status !== undefined || data) {
      return errorForFailure(operation, classifyAriFailure(operation, data || `HTTP ${status ?? "error"}`, status), serverId);
    }
  }
  return new AriRequestError("ARI_REQUEST_FAILED", operation, `unexpected failure: ${String(reason)}`, undefined, serverId);
}
