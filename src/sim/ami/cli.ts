/**
 * The few CLI commands the AMI `Command` action runs in the simulator, with Asterisk 22's output
 * (ami-08, ami-08b): `core show channels` and `core show channels count`. Anything else is
 * Asterisk's "No such command" answer. Pure: formats what it is given.
 */
import type { ChannelSnapshot } from "../pbx.js";

export interface CliView {
  /** Channels, in the order to print them. */
  channels: readonly ChannelSnapshot[];
  activeCalls: number;
  processedCalls: number;
}

export interface CliResult {
  /** false: Asterisk answers `Response: Error` (unknown command or bad usage). */
  ok: boolean;
  lines: string[];
}

/** `%-Ns` with truncation to N, as `%-N.Ns`. */
const col = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s.padEnd(n));

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function summary(view: CliView): string[] {
  return [plural(view.channels.length, "active channel"), plural(view.activeCalls, "active call"), `${plural(view.processedCalls, "call")} processed`];
}

function showChannels(view: CliView): string[] {
  const row = (a: string, b: string, c: string, d: string): string => `${col(a, 64)} ${col(b, 32)} ${col(c, 7)} ${col(d, 30)}`;
  const lines = [row("Channel", "Location", "State", "Application(Data)")];
  for (const ch of view.channels) {
    const d = ch.dialplan;
    const location = d.context !== "" ? `${d.exten}@${d.context}:${d.priority}` : "(None)";
    const app = d.appName !== "" ? `${d.appName}(${d.appData})` : "(None)";
    lines.push(row(ch.name, location, ch.state, app));
  }
  return [...lines, ...summary(view)];
}

interface Command {
  words: string[];
  run(view: CliView): string[];
}

const COMMANDS: Command[] = [
  { words: ["core", "show", "channels"], run: showChannels },
  { words: ["core", "show", "channels", "count"], run: summary },
];

/**
 * The `core show help <hint>` part of Asterisk's unknown-command answer: the words of the command
 * up to the first one that no command of that length shares all earlier words with (that word
 * included). Asterisk always lets the first word through, as some of its commands are one word.
 */
function helpHint(words: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    out.push(words[i]!);
    if (i === 0) continue;
    // Asterisk's partial match: a command as long as the words so far, all but the last equal
    const known = COMMANDS.some((c) => c.words.length === i + 1 && out.slice(0, i).every((w, j) => c.words[j] === w.toLowerCase()));
    if (!known) break;
  }
  return out.join(" ");
}

export function runCli(commandLine: string, view: CliView): CliResult {
  const words = commandLine.trim().split(/\s+/).filter((w) => w !== "");
  const cmd = COMMANDS.find((c) => c.words.length === words.length && c.words.every((w, i) => w === words[i]!.toLowerCase()));
  if (cmd) return { ok: true, lines: cmd.run(view) };
  return {
    ok: false,
    lines: [`No such command '${commandLine.trim()}' (type 'core show help ${helpHint(words)}' for other possible commands)`],
  };
}
