/**
 * Sounds that come with Asterisk's core sound packages (Debian: asterisk-core-sounds-en and its -wav,
 * -gsm and -g722 variants), so the catalogue needs no text for them. Only the ones Switchboard plays or
 * an admin is likely to reach for are named (each checked against asterisk-core-sounds-en 1.6.1):
 * everything else outside the catalogue counts as missing, which is the safer mistake.
 */
const CORE_SOUNDS = new Set([
  // app_queue's announcements, which the daemon's queue announcements reuse (config calls.prompts)
  "queue-callswaiting",
  "queue-holdtime",
  "queue-less-than",
  "queue-minute",
  "queue-minutes",
  "queue-periodic-announce",
  "queue-quantity1",
  "queue-quantity2",
  "queue-reporthold",
  "queue-seconds",
  "queue-thankyou",
  "queue-thereare",
  "queue-youarenext",
  "auth-thankyou",
  "beep",
  "goodbye",
  "hello-world",
  "pls-hold-while-try",
  "tt-allbusy",
  "vm-goodbye",
]);

/** Spoken numbers, digits and letters (`number:`, `digits:`, `characters:`), and the silence files. */
const CORE_FAMILIES = /^(?:digits|letters|silence)\//;

export function isCoreSound(name: string): boolean {
  return CORE_SOUNDS.has(name) || CORE_FAMILIES.test(name);
}
