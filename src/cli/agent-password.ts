import type { Command } from "commander";
import { hashPassword } from "../cti/password.js";
import { usageExitCode } from "./usage-errors.js";

/**
 * `switchboard agent-password`: reads a password on stdin and prints its hash for an agent's
 * `passwordHash`. At a terminal it asks twice without echo; from a pipe it reads the first line.
 */

export const MIN_PASSWORD_CHARS = 8;

export interface PasswordIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * Lines typed at a terminal in raw mode, so nothing typed is echoed. Characters after a line's Enter
 * (typed ahead or pasted in one go) are kept for the next line.
 */
class HiddenLines {
  private pending = "";

  constructor(private readonly io: PasswordIo) {}

  ask(prompt: string): Promise<string> {
    const { stdin: input, stderr } = this.io;
    stderr.write(prompt);
    return new Promise((resolve, reject) => {
      let line = "";
      const finish = (err: Error | null) => {
        input.removeListener("data", onData);
        input.setRawMode?.(false);
        input.pause();
        stderr.write("\n");
        if (err) reject(err);
        else resolve(line);
      };
      const consume = (chars: string): boolean => {
        for (let i = 0; i < chars.length; i++) {
          const ch = chars[i]!;
          if (ch === "\r" || ch === "\n") {
            this.pending = chars.slice(i + 1).replace(/^\n/, "");
            finish(null);
            return true;
          }
          if (ch === "\u0003" || ch === "\u0004") {
            finish(new Error("cancelled"));
            return true;
          }
          if (ch === "\u007f" || ch === "\b") line = line.slice(0, -1);
          else if (ch >= " ") line += ch;
        }
        return false;
      };
      const onData = (chunk: Buffer | string) => void consume(String(chunk));
      input.setRawMode?.(true);
      const typedAhead = this.pending;
      this.pending = "";
      if (consume(typedAhead)) return;
      input.resume();
      input.on("data", onData);
    });
  }
}

/** The first line of piped input (trailing CR/LF removed). */
async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let data = "";
  for await (const chunk of input) {
    data += String(chunk);
    if (data.includes("\n")) break;
  }
  return data.split(/\r?\n/)[0] ?? "";
}

export async function readPassword(io: PasswordIo): Promise<string> {
  if (!io.stdin.isTTY) return readFirstLine(io.stdin);
  const lines = new HiddenLines(io);
  const first = await lines.ask("New agent password: ");
  const second = await lines.ask("Repeat it: ");
  if (first !== second) throw new Error("the two passwords differ");
  return first;
}

export function register(program: Command, io: PasswordIo = process): void {
  const command = program
    .command("agent-password")
    .description("hash an agent's desktop password for the config (agents[].passwordHash)")
    .addHelpText(
      "after",
      `\nReads the password from stdin: at a terminal it asks twice without echo; piped, it reads the first line.\nPrints scrypt$N$r$p$salt$hash. At least ${MIN_PASSWORD_CHARS} characters.\n\n  switchboard agent-password\n  printf '%s\\n' "$PW" | switchboard agent-password`,
    )
    .action(async () => {
      let password: string;
      try {
        password = await readPassword(io);
      } catch (err) {
        io.stderr.write(`switchboard agent-password: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      if ([...password].length < MIN_PASSWORD_CHARS) {
        io.stderr.write(`switchboard agent-password: the password needs at least ${MIN_PASSWORD_CHARS} characters\n`);
        process.exitCode = 1;
        return;
      }
      io.stdout.write(`${await hashPassword(password)}\n`);
    });
  usageExitCode(command);
}
