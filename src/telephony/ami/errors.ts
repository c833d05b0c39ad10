/** Typed AMI failures. */
export type AmiErrorCode = "AMI_AUTH" | "AMI_UNAVAILABLE" | "AMI_DISCONNECTED" | "AMI_TIMEOUT" | "AMI_ACTION" | "AMI_INVALID_INPUT" | "AMI_CONFIG";

export class AmiError extends Error {
  constructor(
    readonly code: AmiErrorCode,
    message: string,
    readonly serverId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AmiError";
  }
}

/** Login refused (`Response: Error`, `Message: Authentication failed`); the server closes the connection. */
export class AmiAuthError extends AmiError {
  constructor(message: string, serverId?: string) {
    super("AMI_AUTH", message, serverId);
    this.name = "AmiAuthError";
  }
}

/** Not connected (unreachable, stalled, reconnecting, stopped): the action was not sent. */
export class AmiUnavailableError extends AmiError {
  constructor(message: string, serverId?: string, options?: { cause?: unknown; code?: "AMI_UNAVAILABLE" | "AMI_DISCONNECTED" | "AMI_TIMEOUT" }) {
    super(options?.code ?? "AMI_UNAVAILABLE", message, serverId, options);
    this.name = "AmiUnavailableError";
  }
}

/** The connection was lost while the action was pending: it may or may not have run. */
export class AmiDisconnectedError extends AmiUnavailableError {
  constructor(message: string, serverId?: string) {
    super(message, serverId, { code: "AMI_DISCONNECTED" });
    this.name = "AmiDisconnectedError";
  }
}

/** No (complete) answer within the action's timeout: it may or may not have run. */
export class AmiTimeoutError extends AmiUnavailableError {
  constructor(message: string, serverId?: string) {
    super(message, serverId, { code: "AMI_TIMEOUT" });
    this.name = "AmiTimeoutError";
  }
}

/** Asterisk answered `Response: Error`. `response` holds the whole reply (lower-cased keys). */
export class AmiActionError extends AmiError {
  constructor(
    readonly action: string,
    readonly serverMessage: string,
    readonly response: Readonly<Record<string, unknown>>,
    serverId?: string,
  ) {
    super("AMI_ACTION", `${action}: ${serverMessage}`, serverId);
    this.name = "AmiActionError";
  }
}

/** Refused before anything was written: a CR, LF or NUL in a key or value, a bad key, a reserved key. */
export class AmiInvalidInputError extends AmiError {
  constructor(message: string, serverId?: string) {
    super("AMI_INVALID_INPUT", message, serverId);
    this.name = "AmiInvalidInputError";
  }
}

export class AmiConfigError extends AmiError {
  constructor(message: string, serverId?: string) {
    super("AMI_CONFIG", message, serverId);
    this.name = "AmiConfigError";
  }
}
