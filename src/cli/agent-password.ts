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

class Cancelled extends Error {}

/** One line typed at a terminal in raw mode, so nothing typed is echoed. */
function askHidden(io: PasswordIo, prompt: string): Promise<string> {
  io.stderr.write(prompt);
  const input = io.stdin;
  return new Promise((resolve, reject) => {
    let line = "";
    const done = (err: Error | null) => {
      input.removeListener("data", onData);
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write("\n");
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") return done(null);
        if (ch === "\u0003" || ch === "\u0004") return done(new Cancelled("cancelled"));
        if (ch === "\u007f" || ch === "\b") line = line.slice(0, -1);
        else if (ch >= " ") line += ch;
      }
    };
    input.setRawMode?.(true);
    input.resume();
    input.on("data", onData);
  });
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
  const first = await askHidden(io, "New agent password: ");
  const second = await askHidden(io, "Repeat it: ");
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
