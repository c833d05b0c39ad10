/**
 * What `switchboard validate` prints is meant for a terminal or a pipe, and it repeats what tree files
 * say (node ids, gotos, values, file names): so nothing from a file may reach the terminal as a control
 * sequence, and a reader that stops early (`| head`) ends the verb quietly.
 */

/**
 * C0 controls (ESC starts the terminal's sequences; CR, LF and BS rewrite what a line shows), DEL, C1
 * controls (U+009B is a one-character CSI on some terminals) and the bidirectional overrides and isolates
 * that make text display in another order than it reads.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** Text for a terminal: each unsafe character written as an escape (\x1b, \u{202e}). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const n = c.codePointAt(0)!;
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
  });
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1, bidi controls) escaped as \uXXXX too:
 * the same data for a parser, nothing active for a terminal.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

/**
 * A closed pipe (`switchboard validate | head`) is the reader saying it has enough: exit with the exit
 * code already set, without a stack trace. Other write errors stay errors.
 */
export function quietOnBrokenPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(process.exitCode ?? 0);
  });
}
