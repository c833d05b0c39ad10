/**
 * The caller's way through the IVR in the words an agent reads on the pop ("Recognised as Carla Diaz",
 * "Chose technical support", "Bought the express upgrade for 1.99 EUR", "Asked to be called back"), from
 * the engine's path entries (node, node type, choice, label). Pure: the same path always reads the same.
 * Steps that tell the agent nothing (prompts, variables set, a branch's default) are left out; a step of a
 * kind this module does not know reads as its label, else as its choice.
 */

export interface JourneyStep {
  node: string;
  /** The node's type (`menu`, `lookup`, `purchase`...), as the engine recorded it. */
  type: string;
  choice?: string | null | undefined;
  label?: string | null | undefined;
}

export interface JourneyContext {
  /** The customer the lookup found (the pop's), for "Recognised as ...". */
  customerName?: string | null | undefined;
  /** Lane id -> the admin's wording, for the queue step. */
  laneNames?: Readonly<Record<string, string>>;
  /** Products bought in the call, in order (the engine's `purchased`): the n-th accepted purchase is the n-th. */
  purchased?: readonly string[];
}

const words = (id: string) => id.replace(/[-_]+/g, " ").trim();
const sentence = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
/** `accepted 1.99 EUR, key 1, prompt v3` (purchase.ts) -> `1.99 EUR`. */
const pricePaid = (label: string | null | undefined) => /^accepted (\d+(?:\.\d+)?) ([A-Z]{3})\b/.exec(label ?? "")?.slice(1, 3).join(" ");
/** `declined (key 2)`, `closed (no agent free)`: what is in the brackets. */
const bracketed = (label: string | null | undefined) => /\(([^)]*)\)\s*$/.exec(label ?? "")?.[1];

type Phrase = (s: JourneyStep, ctx: Required<JourneyContext>, state: { bought: number }) => string | null;

const PHRASES: Record<string, Phrase> = {
  play: () => null,
  set: () => null,
  goto: () => null,
  lookup: (s, ctx) => {
    if (s.choice === "found") return ctx.customerName ? `Recognised as ${ctx.customerName}` : "Recognised by their number";
    if (s.choice === "not found") return "Not recognised by their number";
    return "Could not be looked up";
  },
  menu: (s) => {
    if (s.choice === "no input") return "Chose nothing in the menu";
    if (s.choice === "invalid input") return "Pressed keys the menu does not offer";
    return s.label ? `Chose ${s.label}` : s.choice ? `Pressed ${s.choice}` : null;
  },
  gather: (s) => {
    if (s.choice === "no input") return "Typed nothing when asked for digits";
    if (s.choice === "invalid input") return "Typed digits that were not accepted";
    return s.choice ? `Typed ${s.choice}` : null;
  },
  branch: (s) => (s.label ? `Routed as ${s.label}` : null),
  queue: (s, ctx) => {
    const lane = s.choice && s.choice !== "default lane" ? (ctx.laneNames[s.choice] ?? words(s.choice)) : null;
    return lane ? `Waited in the queue (${lane})` : "Waited in the queue";
  },
  admission: (s) => (s.choice === "closed" ? "Express lane not on offer right now" : null),
  purchase: (s, ctx, state) => {
    const product = (n: number) => (ctx.purchased[n] ? `the ${words(ctx.purchased[n]!)}` : "the offer");
    const paid = pricePaid(s.label);
    if (paid) return `Bought ${product(state.bought++)} for ${paid}`;
    if (s.choice === "already bought" || s.choice === "unavailable") return null;
    const key = bracketed(s.label);
    return key === "no key" ? "Let the paid offer pass (pressed nothing)" : "Declined the paid offer";
  },
  callback: (s) => {
    if (s.choice === "booked") return "Asked to be called back";
    return "Asked to be called back, but it could not be booked";
  },
  survey: (s) => (s.choice && /^\d+ of \d+$/.test(s.choice) ? `Rated the call ${s.choice}` : null),
  transfer: () => "Transferred",
  hangup: () => null,
};

/** The journey, oldest step first; consecutive repeats of the same words are said once. */
export function composeJourney(path: readonly JourneyStep[], context: JourneyContext = {}): string[] {
  const ctx: Required<JourneyContext> = { customerName: context.customerName ?? null, laneNames: context.laneNames ?? {}, purchased: context.purchased ?? [] };
  const state = { bought: 0 };
  const out: string[] = [];
  for (const step of path) {
    const phrase = PHRASES[step.type];
    const text = phrase ? phrase(step, ctx, state) : (step.label ?? step.choice ?? null);
    if (!text) continue;
    const said = sentence(text);
    if (out[out.length - 1] !== said) out.push(said);
  }
  return out;
}
