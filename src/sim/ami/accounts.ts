/**
 * manager.conf users: secret, `read=` / `write=` classes and `eventfilter=` lines.
 *
 * An event filter (Asterisk's legacy form) is a regular expression matched against the whole text
 * of an unsolicited event; `!` in front makes it an exclude filter. With include filters only, an
 * event must match one; with exclude filters only, it must match none; with both, it must match an
 * include filter and no exclude filter. List replies and responses are never filtered (ami-18a/b/c).
 */
import type { Credentials } from "../ari/http.js";
import { ALL_CLASSES, parseEventMask } from "./privileges.js";

/** One manager.conf user section. */
export interface AmiUser {
  user: string;
  password: string;
  /** `read=` classes, e.g. `call,reporting,system,cdr` (default `all`). */
  read?: string;
  /** `write=` classes, e.g. `reporting` (default `all`). */
  write?: string;
  /** `eventfilter=` lines in order, e.g. `Event: DeviceStateChange`, `!Event: Newexten`. */
  eventfilter?: readonly string[];
}

/** `{ user: secret }` (every class, no filter), or manager.conf sections. */
export type AmiUsers = Credentials | readonly AmiUser[];

export class EventFilter {
  private readonly include: RegExp[] = [];
  private readonly exclude: RegExp[] = [];

  constructor(lines: readonly string[] = []) {
    for (const line of lines) {
      const exclude = line.startsWith("!");
      const source = exclude ? line.slice(1) : line;
      let re: RegExp;
      try {
        re = new RegExp(source);
      } catch {
        // Asterisk logs a filter that does not compile and ignores it
        continue;
      }
      (exclude ? this.exclude : this.include).push(re);
    }
  }

  /** Whether a session with this filter receives the event whose whole text is `text`. */
  passes(text: string): boolean {
    const included = this.include.length === 0 || this.include.some((re) => re.test(text));
    return included && !this.exclude.some((re) => re.test(text));
  }
}

export interface AmiAccount {
  secret: string;
  readMask: number;
  writeMask: number;
  filter: EventFilter;
}

function classes(text: string | undefined): number {
  if (text === undefined) return ALL_CLASSES;
  const mask = parseEventMask(text);
  return mask < 0 ? 0 : mask;
}

/** The accounts by user name. */
export function amiAccounts(users: AmiUsers): Map<string, AmiAccount> {
  const out = new Map<string, AmiAccount>();
  if (Array.isArray(users)) {
    for (const u of users as readonly AmiUser[])
      out.set(u.user, { secret: u.password, readMask: classes(u.read), writeMask: classes(u.write), filter: new EventFilter(u.eventfilter) });
  } else {
    for (const [user, secret] of Object.entries(users as Record<string, string>))
      out.set(user, { secret, readMask: ALL_CLASSES, writeMask: ALL_CLASSES, filter: new EventFilter() });
  }
  return out;
}
