import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const REDACT = [
  "password",
  "secret",
  "token",
  "authorization",
  "*.password",
  "*.secret",
  "*.token",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
];

/**
 * JSON lines on stdout; pretty when stdout is a terminal. Nothing else in Switchboard writes to stdout
 * except CLI verbs whose output is their result (validate, simulate, graph, schema).
 */
export function createLogger(level: LevelWithSilent = "info", opts: { pretty?: boolean; destination?: number; stream?: DestinationStream } = {}): Logger {
  const base = { level, redact: { paths: REDACT, censor: "[redacted]" } };
  // the JSON lines to a stream of the caller's (the demo formats them for a terminal), redacted all the same
  if (opts.stream) return pino(base, opts.stream);
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
  if (pretty) {
    return pino({ ...base, transport: { target: "pino-pretty", options: { destination: opts.destination ?? 1, translateTime: "SYS:HH:MM:ss.l" } } });
  }
  return pino(base, pino.destination({ dest: opts.destination ?? 1, sync: false }));
}
