/**
 * The demo's log lines: pino's JSON as it is (piped, `--log-format json`), or one short line per event
 * for a person at a terminal (time, what, the fields that tell calls and agents apart). Either way the
 * messages are tallied, for the summary on exit.
 */
import type { DestinationStream } from "pino";

export type LogFormat = "compact" | "json";

/** Fields every line carries or that only say which part of the daemon spoke. */
const QUIET = new Set(["level", "time", "pid", "hostname", "msg", "component", "module", "server", "serverId", "detail"]);
const LEVELS: Record<number, string> = { 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** Info lines a terminal does without: each webhook delivery has the receiving sink's own line already. */
const UNSHOWN = new Set(["delivered"]);
const MAX_VALUE = 60;

export interface DemoTerminal {
  /** Where the logger writes its JSON lines. */
  stream: DestinationStream;
  /** How many lines carried this message so far. */
  count(msg: string): number;
}

export function demoTerminal(format: LogFormat, out: NodeJS.WritableStream = process.stdout, color = colorWanted(out)): DemoTerminal {
  const counts = new Map<string, number>();
  const stream: DestinationStream = {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const msg = String(entry.msg ?? "");
      counts.set(msg, (counts.get(msg) ?? 0) + 1);
      if (format === "json") out.write(line);
      else if (!(UNSHOWN.has(msg) && Number(entry.level) < 40)) out.write(`${compactLine(entry, color)}\n`);
    },
  };
  return { stream, count: (msg) => counts.get(msg) ?? 0 };
}

function colorWanted(out: NodeJS.WritableStream): boolean {
  return (out as { isTTY?: boolean }).isTTY === true && process.env.NO_COLOR === undefined;
}

/** `20:31:39  caller connected to agent  callId=1796675505.1 agentId=1001 wait=1.7s` */
export function compactLine(entry: Record<string, unknown>, color = false): string {
  const at = new Date(typeof entry.time === "number" ? entry.time : Date.now());
  const time = [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
  const level = LEVELS[Number(entry.level)];
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const parts = [paint("2", time)];
  if (level) parts.push(paint(Number(entry.level) >= 50 ? "31" : "33", level));
  parts.push(paint("1", String(entry.msg ?? "")));
  if (typeof entry.detail === "string") parts.push(entry.detail);
  const fields = Object.entries(entry)
    .filter(([k]) => !QUIET.has(k))
    .map(([k, v]) => field(k, v))
    .filter((f): f is string => f !== null);
  if (fields.length) parts.push(paint("2", fields.join(" ")));
  return parts.join("  ");
}

/** One `key=value`, or null for nothing worth showing (null, empty lists). */
function field(key: string, value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (key === "err" && typeof value === "object") return `err=${clip(String((value as { message?: unknown }).message ?? JSON.stringify(value)))}`;
  // milliseconds read better as seconds
  if (key.endsWith("Ms") && typeof value === "number") return `${key.slice(0, -2)}=${(value / 1000).toFixed(1)}s`;
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    return `${key}=${clip(value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(","))}`;
  }
  if (typeof value === "object") {
    if (Object.keys(value).length === 0) return null;
    return `${key}=${clip(JSON.stringify(value))}`;
  }
  return `${key}=${clip(String(value))}`;
}

function clip(s: string): string {
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}
