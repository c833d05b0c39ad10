import { z } from "zod";

/**
 * A saved audience (docs/outbound-audiences.md): a CEL condition over a customer and their calls, and
 * how far back `calls` reaches. Conditions are compiled and checked before an audience is saved.
 */

export const AUDIENCE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Longer conditions are rarely written by hand; the CEL parser bounds the syntax tree as well. */
export const MAX_CONDITION_CHARS = 4_000;
/** How far back `--since` may reach: ten years, far beyond the history any site keeps. */
export const MAX_SINCE_DAYS = 3_650;

const SINCE = /^(\d{1,6})([hdw])$/;
const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** "30d" -> ms; "all" -> Infinity. Throws with a sentence for anything else. */
export function sinceMs(since: string): number {
  if (since === "all") return Infinity;
  const m = SINCE.exec(since);
  if (!m) throw new Error(`since must be a number of hours, days or weeks such as 12h, 30d or 8w, or "all" (got "${since.slice(0, 40)}")`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms <= 0) throw new Error(`since must be more than 0 (got "${since}")`);
  if (ms > MAX_SINCE_DAYS * UNIT_MS.d) throw new Error(`since reaches at most ${MAX_SINCE_DAYS} days back (got "${since}")`);
  return ms;
}

export const sinceSchema = z.string().superRefine((s, ctx) => {
  try {
    sinceMs(s);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

export const conditionSchema = z
  .string({ error: "condition is required (a CEL expression giving true or false)" })
  .regex(/\S/, "condition must not be empty")
  .max(MAX_CONDITION_CHARS, `condition may have at most ${MAX_CONDITION_CHARS.toLocaleString("en")} characters`);

export const audienceSchema = z
  .object({
    id: z.string().regex(AUDIENCE_ID, "id must be lower-case letters, digits and -, at most 64, starting with a letter or digit"),
    name: z.string().trim().min(1, "name must not be empty").max(200),
    condition: conditionSchema,
    /** `calls` holds the calls at or after now minus this; `history` holds every indexed call. */
    since: sinceSchema.default("30d"),
    /** Set by the store when saved. */
    savedAt: z.string().optional(),
  })
  .strict();

export type Audience = z.infer<typeof audienceSchema>;
export type AudienceInput = z.input<typeof audienceSchema>;

/** What a preview asks for: a condition not (yet) saved. */
export const previewSchema = z
  .object({
    condition: conditionSchema,
    since: sinceSchema.default("30d"),
    sample: z.number().int().min(0).max(100).default(10),
  })
  .strict();
export type PreviewRequest = z.infer<typeof previewSchema>;

/** One customer an audience selected: enough to call them or export them. */
export interface AudienceMember {
  id: string;
  name: string;
  phones: string[];
  email?: string;
  language: string;
  tier: string;
  /** Calls in the window (`calls`). */
  calls: number;
  /** The newest call in the window, ISO, when there is one. */
  lastCall?: string;
}
