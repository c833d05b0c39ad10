/**
 * AMI event classes (manager.conf `read=` / `write=` classes): the bit of each event's category,
 * the `Privilege:` text an event carries, and the masks `Events:` / `EventMask:` accept.
 */

/** Classes in Asterisk's order, which is also the order of the `Privilege:` text. */
export const EVENT_CLASSES = [
  "system",
  "call",
  "log",
  "verbose",
  "command",
  "agent",
  "user",
  "config",
  "dtmf",
  "reporting",
  "cdr",
  "dialplan",
  "originate",
  "agi",
  "cc",
  "aoc",
  "test",
  "security",
  "message",
] as const;
export type EventClass = (typeof EVENT_CLASSES)[number];

/** Every class at once (manager.conf `all`). */
export const ALL_CLASSES = 0x7fffffff;

export function classBit(c: EventClass): number {
  return 1 << EVENT_CLASSES.indexOf(c);
}

/** The `Privilege:` value of an event of class `c`, e.g. `call,all`. */
export function privilegeText(c: EventClass): string {
  return `${c},all`;
}

/**
 * Parses an event mask as `Login`'s `Events:` and `Events`' `EventMask:` take it: a number, an
 * on/off word, or a comma list of classes (unknown names count for nothing). Returns -1 for an
 * empty mask (an error for the `Events` action).
 */
export function parseEventMask(text: string): number {
  const t = text.trim();
  if (t === "") return -1;
  if (/^[0-9]+$/.test(t)) return Number.parseInt(t, 10) & ALL_CLASSES;
  if (/^(no|false|n|f|0|off)$/i.test(t)) return 0;
  if (/^(yes|true|y|t|1|on)$/i.test(t)) return ALL_CLASSES;
  let mask = 0;
  for (const word of t.split(",").map((w) => w.trim().toLowerCase())) {
    if (word === "all") return ALL_CLASSES;
    const i = (EVENT_CLASSES as readonly string[]).indexOf(word);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

/** The `Priv:` text of `ListCommands` for an action needing `classes` (empty: `<none>`). */
export function authorityText(classes: readonly EventClass[]): string {
  if (classes.length === 0) return "<none>";
  return [...classes].sort((a, b) => EVENT_CLASSES.indexOf(a) - EVENT_CLASSES.indexOf(b)).join(",") + ",all";
}
