/**
 * AMI wire format, as Asterisk 22's manager speaks it: after a one-line banner, every message is a
 * list of `Key: Value` lines, each ending in CR LF, and an empty line ends the message.
 *
 * Messages are kept as the raw header lines a client sent (Asterisk keeps them that way too) and
 * looked up the way Asterisk looks them up: the key is compared case-insensitively and must be
 * followed directly by `:`, and blanks after the colon are skipped. Pure functions only.
 */

/** Sent once on connect, with no empty line after it. */
export const BANNER = "Asterisk Call Manager/11.0.0\r\n";
export const AMI_VERSION = "11.0.0";

/** An outgoing message: ordered fields. Values must not contain CR or LF (see `serialize`). */
export type Fields = ReadonlyArray<readonly [string, string | number]>;

/** A message received from a client: its header lines, in order, without line endings. */
export interface ClientMessage {
  readonly lines: readonly string[];
}

/** Values are written as they are; a CR or LF inside one would start a new line, so it is replaced. */
function clean(value: string | number): string {
  const s = typeof value === "number" ? String(value) : value;
  return /[\r\n]/.test(s) ? s.replace(/\r\n|[\r\n]/g, " ") : s;
}

/** `Key: Value\r\n` per field, then the empty line. */
export function serialize(fields: Fields): string {
  let out = "";
  for (const [k, v] of fields) out += `${k}: ${clean(v)}\r\n`;
  return `${out}\r\n`;
}

function valueOf(line: string, key: string): string | undefined {
  if (line.length <= key.length || line[key.length] !== ":") return undefined;
  if (line.slice(0, key.length).toLowerCase() !== key.toLowerCase()) return undefined;
  return line.slice(key.length + 1).replace(/^[ \t]+/, "");
}

/** The first header named `key` ("" when absent, as Asterisk's astman_get_header). */
export function header(m: ClientMessage, key: string): string {
  for (const line of m.lines) {
    const v = valueOf(line, key);
    if (v !== undefined) return v;
  }
  return "";
}

/** The first non-empty header named `key` ("" when none); Asterisk reads `Action` this way. */
export function nonEmptyHeader(m: ClientMessage, key: string): string {
  for (const line of m.lines) {
    const v = valueOf(line, key);
    if (v !== undefined && v !== "") return v;
  }
  return "";
}

/** Every value of a repeated header, in order. */
export function headers(m: ClientMessage, key: string): string[] {
  const out: string[] = [];
  for (const line of m.lines) {
    const v = valueOf(line, key);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/**
 * Channel variables given as `Variable: NAME=value` headers (repeatable; one header may also carry
 * several comma-separated assignments). Entries without `=` are ignored, as Asterisk does.
 */
export function variables(m: ClientMessage): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const v of headers(m, "Variable")) {
    for (const part of v.split(",")) {
      const eq = part.indexOf("=");
      if (eq <= 0) continue;
      out.push([part.slice(0, eq), part.slice(eq + 1)]);
    }
  }
  return out;
}

/** Asterisk's ast_true: yes, true, y, t, 1, on. */
export function isTrue(v: string): boolean {
  return /^(yes|true|y|t|1|on)$/i.test(v.trim());
}

/** `Response:` + `ActionID:` (when the action had one), as every reply starts. */
export function responseHead(m: ClientMessage, response: string): Array<[string, string]> {
  const id = header(m, "ActionID");
  return id === "" ? [["Response", response]] : [["Response", response], ["ActionID", id]];
}

/** `Response: Success` with an optional `Message:`. */
export function success(m: ClientMessage, message?: string, extra: Fields = []): string {
  const f: Array<readonly [string, string | number]> = responseHead(m, "Success");
  if (message !== undefined) f.push(["Message", message]);
  return serialize([...f, ...extra]);
}

/** `Response: Error` with its `Message:`. */
export function error(m: ClientMessage, message: string): string {
  return serialize([...responseHead(m, "Error"), ["Message", message]]);
}

/** The reply that opens an event list: `EventList: start` then the message. */
export function listStart(m: ClientMessage, message: string): string {
  return serialize([...responseHead(m, "Success"), ["EventList", "start"], ["Message", message]]);
}

/** The `ActionID:` field of a list item or of an event tied to an action (none when absent). */
export function actionIdField(m: ClientMessage): Array<[string, string]> {
  const id = header(m, "ActionID");
  return id === "" ? [] : [["ActionID", id]];
}

/** The event that closes an event list: `<Name>Complete` with `ListItems`. */
export function listComplete(m: ClientMessage, event: string, items: number, extra: Fields = []): string {
  return serialize([["Event", event], ...actionIdField(m), ["EventList", "Complete"], ["ListItems", items], ...extra]);
}
