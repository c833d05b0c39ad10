import { z } from "zod";

/**
 * The IVR tree format. One YAML file is one tree (or a fragment other trees `goto` into).
 * Every node has a `type`; linear nodes say where to go `next`. Targets are a node id in the same
 * file or `other.yaml#node` in another file of the same directory.
 * Durations are seconds (decimals allowed). Expressions (`when`, `expr`, `validate`, `laneExpr`, `key`, `score`)
 * are CEL over `customer`, `call` and `vars`, compiled when the tree is loaded.
 */

export const NODE_ID = /^[a-z][a-z0-9_-]*$/;
export const TARGET = /^(?:[a-z0-9][a-z0-9_-]*\.ya?ml#)?[a-z][a-z0-9_-]*$/;
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const varName = z.string().regex(VAR_NAME, "must be letters, digits and _ only, starting with a letter or _");
const ID_MESSAGE = "must be lower-case (letters, digits, - and _, starting with a letter)";
const id = () => z.string().regex(NODE_ID, ID_MESSAGE);
export const MEDIA_URI = /^(sound|recording|number|digits|tone|characters):\S+$/;

const description = z.string().optional().describe("Free text for admins; shown by `switchboard graph`.");
const target = z
  .string()
  .regex(TARGET, "must be a node id (`billing-menu`) or `file.yaml#node`")
  .describe("A node id in this file, or `other.yaml#node`.");
const seconds = (d: string) => z.number().positive().max(3600).describe(d);
const celExpr = (d: string) => z.string().min(1).describe(`CEL expression: ${d}`);

export const mediaUri = z
  .string()
  .regex(MEDIA_URI, "must be a media URI (sound:, recording:, number:, digits:, tone: or characters:)")
  .describe("ARI media URI, e.g. sound:switchboard/welcome, digits:1234, number:42, tone:ring.");
export const prompt = z
  .union([mediaUri, z.array(mediaUri).min(1)])
  .describe("One media URI or a list played in order.");
export type Prompt = z.infer<typeof prompt>;

export const DTMF_KEY = /^[0-9*#]$/;
const digit = z.string().regex(DTMF_KEY, "must be one DTMF key (0-9, * or #)");

export const playNode = z
  .object({
    type: z.literal("play"),
    description,
    prompt,
    bargeIn: z.boolean().default(false).describe("Whether a key press skips the rest of the prompt."),
    next: target,
  })
  .strict()
  .describe("Plays a prompt, then goes to `next`.");

const retryPrompt = z
  .object({ prompt: prompt.optional(), goto: target.optional() })
  .strict()
  .describe("What to play (and optionally where to go instead of retrying).");

export const menuOption = z.union([
  target,
  z
    .object({
      goto: target,
      set: z.record(varName, z.union([z.string(), z.number(), z.boolean()])).optional(),
      label: z.string().optional().describe("What the option means, for the call's IVR path and reports."),
    })
    .strict(),
]);

export const menuNode = z
  .object({
    type: z.literal("menu"),
    description,
    prompt,
    options: z
      .record(digit, menuOption)
      .refine((o) => Object.keys(o).length > 0, "a menu needs at least one option")
      .describe("DTMF key -> target."),
    timeout: seconds("How long to wait for a key after the prompt ends.").default(5),
    retries: z.number().int().min(0).max(10).default(2).describe("Extra attempts after the first."),
    noInput: retryPrompt.optional(),
    invalid: retryPrompt.optional(),
    onFail: target.describe("Where to go once the retries are used up."),
  })
  .strict()
  .describe("Plays a prompt and waits for one DTMF key; retries on no input or an unknown key, then `onFail`.");

export const gatherNode = z
  .object({
    type: z.literal("gather"),
    description,
    prompt,
    variable: varName.describe("vars.<variable> receives the digits."),
    minDigits: z.number().int().min(1).max(64).default(1),
    maxDigits: z.number().int().min(1).max(64),
    terminator: z.union([digit, z.literal("")]).default("#").describe("Key that ends input early; '' for none."),
    firstDigitTimeout: seconds("Wait for the first key after the prompt.").default(5),
    interDigitTimeout: seconds("Wait between keys.").default(3),
    validate: celExpr("must be true for the input to be accepted; `value` is the digits as a string.").optional(),
    retries: z.number().int().min(0).max(10).default(2),
    noInput: retryPrompt.optional(),
    invalid: retryPrompt.optional(),
    next: target,
    onFail: target,
  })
  .strict()
  .describe("Collects several digits into vars.<variable> (account numbers, PINs, dates).");

export const branchNode = z
  .object({
    type: z.literal("branch"),
    description,
    cases: z
      .array(z.object({ when: celExpr("a bool"), goto: target, label: z.string().optional() }).strict())
      .min(1),
    default: target,
  })
  .strict()
  .describe("Goes to the first case whose `when` is true, else `default`. Instant: the caller hears nothing.");

const literal = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const setNode = z
  .object({
    type: z.literal("set"),
    description,
    vars: z.record(varName, literal).optional().describe("Literal values."),
    expr: z.record(varName, celExpr("the value")).optional().describe("Computed values."),
    next: target,
  })
  .strict()
  .refine((n) => n.vars !== undefined || n.expr !== undefined, "a set node needs `vars` or `expr`")
  .describe("Sets variables (vars.<name>), then goes to `next`. Instant: the caller hears nothing.");

export const lookupNode = z
  .object({
    type: z.literal("lookup"),
    description,
    source: z.string().default("crm").describe("Data source name; `crm` is the customer lookup."),
    key: celExpr("the lookup key").default("call.callerNumber"),
    into: varName.default("customer").describe("`customer` or a vars name."),
    timeout: seconds("Give up and take onError after this long.").default(2),
    next: target,
    onNotFound: target.optional().describe("Where to go when the source has no record (default: next)."),
    onError: target.describe("Where to go on timeout or failure."),
  })
  .strict()
  .describe("Looks a record up (the CRM by default) into `customer` or a variable, then `next`.");

export const queueNode = z
  .object({
    type: z.literal("queue"),
    description,
    queue: id(),
    lane: id().optional().describe("A configured lane, e.g. express or standard."),
    laneExpr: celExpr("a lane name").optional(),
    skills: z.array(id()).default([]),
    priority: z.number().int().min(0).max(100).default(0).describe("Hint within a lane; higher first."),
    reason: z.string().optional().describe("Why the caller is queued; shown in the screen-pop."),
    maxWait: seconds("Leave the queue to onTimeout after this long.").optional(),
    onTimeout: target,
    onEmpty: target.describe("Where to go when no agent is logged in."),
    onFull: target.optional(),
    onCallback: target
      .optional()
      .describe("Offers the caller a call back, keeping their place, once the expected wait passes the queue's `callbacks.offerAfter` (docs/callbacks.md); the caller who presses the key goes here (a `callback` node takes the number). Without it no call back is offered."),
    afterAgent: target
      .optional()
      .describe("Where the caller goes when the agent hangs up first (a post-call survey); without it, or when the caller hangs up first, the call ends with the conversation."),
  })
  .strict()
  .refine((n) => !(n.lane && n.laneExpr), "give `lane` or `laneExpr`, not both")
  .describe("Puts the caller in a queue for an agent; `onTimeout`, `onEmpty` and `onFull` are the ways back, `afterAgent` the way on after the conversation.");

export const transferNode = z
  .object({
    type: z.literal("transfer"),
    description,
    prompt: prompt.optional(),
    endpoint: z.string().regex(/^[A-Za-z]+\/\S+$/, "must be an endpoint like PJSIP/1000").optional(),
    context: z.string().optional(),
    extension: z.string().optional(),
    priority: z.number().int().min(1).default(1),
  })
  .strict()
  .refine((n) => (n.endpoint ? !n.context : !!(n.context && n.extension)), "give `endpoint`, or `context` and `extension`")
  .describe("Hands the call to an endpoint or a dialplan context/extension; the IVR ends.");

export const hangupNode = z
  .object({
    type: z.literal("hangup"),
    description,
    prompt: prompt.optional(),
    reason: z.enum(["normal", "busy", "congestion", "no_answer", "rejected"]).default("normal"),
  })
  .strict()
  .describe("Optionally plays a prompt, then hangs up.");

export const surveyNode = z
  .object({
    type: z.literal("survey"),
    description,
    score: celExpr("the caller's answer, a whole number from 1 to `scale`: an int (`int(vars.csat)`) or digits (a gather's variable)."),
    scale: z.number().int().min(2).max(10).describe("The highest score (the best answer): 5 for \"press 1 to 5\"."),
    next: target,
  })
  .strict()
  .describe("Records the caller's answer to a post-call survey (the CSAT KPI), then goes to `next`. A score that is not a whole number from 1 to `scale` is not recorded. Instant.");

export const admissionNode = z
  .object({
    type: z.literal("admission"),
    description,
    queue: id().describe("The queue the caller would join."),
    lane: id().describe("The lane whose promise is in question, e.g. express."),
    timeout: seconds("Take `closed` when the queue has not answered within this long.").default(2),
    open: target.describe("Where to go when the queue can keep the lane's promise to a caller joining now."),
    closed: target.describe("Where to go when it cannot, or cannot tell (no answer in time, an error)."),
  })
  .strict()
  .describe("Asks the queue whether a caller joining `lane` of `queue` now would be served as the lane promises (the express lane's answer time), then goes to `open` or `closed`. Offer a paid lane only when it is open.");

/** Products a purchase node can sell: the daemon knows how to bill each and what it grants. */
export const PRODUCTS = ["express-upgrade"] as const;

export const purchaseNode = z
  .object({
    type: z.literal("purchase"),
    description,
    product: z.enum(PRODUCTS).describe("What is sold; its price, currency, confirm key and prompt version come from the daemon's config (`express.upgrade`), never from the tree."),
    prompt: prompt.describe("What the caller is offered, up to the price: the price itself is read out after it."),
    confirmPrompt: prompt.describe("After the price, before the confirm key is read out: e.g. \"To agree to this charge, press\"."),
    declinePrompt: prompt.optional().describe("After the confirm key: e.g. \"To go back without paying, press any other key.\""),
    timeout: seconds("How long to wait for the key after the prompt; silence declines.").default(6),
    set: z.record(varName, z.union([z.string(), z.number(), z.boolean()])).optional().describe("Variables to set when the caller accepts (literal values)."),
    next: target.describe("Where to go once the caller has accepted (the consent is recorded and billed)."),
    declined: target.describe("Where to go on any other key or silence: nothing is charged."),
    unavailable: target.optional().describe("Where to go when the daemon sells no such product (no terms in its config); default: `declined`."),
  })
  .strict()
  .describe("Sells a product in the call: reads the price from the daemon's config back to the caller, then takes only the confirm key as consent. Any other key, silence or a hangup charges nothing.");

export const callbackNode = z
  .object({
    type: z.literal("callback"),
    description,
    number: celExpr("the number to call back, as digits (`call.callerNumber`, or a gather's variable).").default("call.callerNumber"),
    timeout: seconds("Take `onError` when the queue has not answered within this long.").default(3),
    next: target.describe("Where to go once the call back is booked: thank the caller and hang up; their place in the queue is kept."),
    onError: target.describe("Where to go when it cannot be booked (no number, the place is gone, no answer in time): back to the queue node keeps the place."),
  })
  .strict()
  .describe("Books a call back at the caller's place in the queue they came from (its `onCallback`), on `number`; the caller may then hang up.");

export const appointmentNode = z
  .object({
    type: z.literal("appointment"),
    description,
    queue: id().describe("The queue whose appointment calendar is offered (config `appointments`)."),
    number: celExpr("the number to call at the appointment, as digits (`call.callerNumber`, or a gather's variable).").default("call.callerNumber"),
    offer: z.number().int().min(1).max(9).default(3).describe("How many of the next free slots are read out, each with its key (1, 2, ...)."),
    prompt: prompt.describe("Before the slots, e.g. \"We can call you back at a time that suits you.\""),
    optionPrompt: prompt.describe("Said after each slot's time, before its key: e.g. \"press\"."),
    timeout: seconds("How long to wait for a key after the slots were read out.").default(6),
    retries: z.number().int().min(0).max(5).default(1).describe("Times the slots are read again after no key or a key that names no slot."),
    answerTimeout: seconds("Take `onError` when the calendar has not answered within this long.").default(3),
    next: target.describe("Where to go once the appointment is booked: confirm and hang up."),
    onError: target.describe("Where to go when nothing is booked: no free slot, no number, no key, the slot taken meanwhile, no answer in time."),
  })
  .strict()
  .describe("Books an appointment by voice: reads out the queue's next free slots (\"today at 15:30, press 1\"), books the one the caller picks on `number`; at its time an agent is rung first and the caller is called (docs/callbacks.md).");

export const gotoNode = z
  .object({ type: z.literal("goto"), description, target })
  .strict()
  .describe("Jumps to another node, in this file or `other.yaml#node`. Instant.");

export const NODE_TYPES = ["play", "menu", "gather", "branch", "set", "lookup", "queue", "transfer", "hangup", "goto", "survey", "admission", "purchase", "callback", "appointment"] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const nodeSchema = z.discriminatedUnion("type", [
  playNode,
  menuNode,
  gatherNode,
  branchNode,
  setNode,
  lookupNode,
  queueNode,
  transferNode,
  hangupNode,
  gotoNode,
  surveyNode,
  admissionNode,
  purchaseNode,
  callbackNode,
  appointmentNode,
]);

export const treeSchema = z
  .object({
    name: z.string().optional(),
    description,
    start: id().optional().describe("First node; default: the first node listed."),
    vars: z.record(varName, literal).default({}).describe("Initial variables."),
    nodes: z.record(id(), nodeSchema).describe("Node id -> node. Ids are lower-case: letters, digits, - and _."),
  })
  .strict()
  .describe("A Switchboard IVR tree: one file is one tree, or a fragment other trees jump into.");

export type IvrNode = z.infer<typeof nodeSchema>;
export type PlayNode = z.infer<typeof playNode>;
export type MenuNode = z.infer<typeof menuNode>;
export type GatherNode = z.infer<typeof gatherNode>;
export type BranchNode = z.infer<typeof branchNode>;
export type SetNode = z.infer<typeof setNode>;
export type LookupNode = z.infer<typeof lookupNode>;
export type QueueNode = z.infer<typeof queueNode>;
export type TransferNode = z.infer<typeof transferNode>;
export type HangupNode = z.infer<typeof hangupNode>;
export type GotoNode = z.infer<typeof gotoNode>;
export type SurveyNode = z.infer<typeof surveyNode>;
export type AdmissionNode = z.infer<typeof admissionNode>;
export type PurchaseNode = z.infer<typeof purchaseNode>;
export type CallbackNode = z.infer<typeof callbackNode>;
export type AppointmentNode = z.infer<typeof appointmentNode>;
export type TreeFile = z.infer<typeof treeSchema>;
