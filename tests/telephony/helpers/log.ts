import { pino, type Logger } from "pino";

export interface CapturedLog {
  logger: Logger;
  entries: Array<Record<string, unknown> & { msg?: string; level: number }>;
  messages(): string[];
}

/** A real pino logger whose lines are kept in memory, so tests can assert what was logged. */
export function captureLog(level: "trace" | "debug" | "info" = "debug"): CapturedLog {
  const entries: CapturedLog["entries"] = [];
  const logger = pino({ level }, { write: (line: string) => void entries.push(JSON.parse(line) as CapturedLog["entries"][number]) });
  return { logger, entries, messages: () => entries.map((e) => e.msg ?? "") };
}
