/**
 * The scenario file (YAML): seed, duration, arrival rate, caller mix, agents, the customers the daemon
 * calls out to, and prompt durations.
 * Validated with zod; every problem names the file, the field path and, when known, the line.
 */
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { distributionSchema } from "./distribution.js";
import { dtmfDigits, patienceSchema, phoneNumber, promptRuleSchema, timedDtmfSchema } from "./caller-spec.js";
import { customersSectionSchema } from "./customer-spec.js";

const seconds = z.number().finite().nonnegative();
const probability = z.number().min(0).max(1);

/** Who calls in one slice of the mix. `numbers` are picked uniformly; `unknownNumbers` makes up numbers. */
export const callerProfileSchema = z
  .strictObject({
    profile: z.string().min(1),
    weight: z.number().positive(),
    numbers: z.array(phoneNumber).min(1).optional(),
    unknownNumbers: z.strictObject({ prefix: z.string().regex(/^[0-9]*$/).default(""), length: z.number().int().min(3).max(15) }).optional(),
    callerName: z.string().max(80).regex(/^[^"<>\r\n]*$/).optional(),
    did: z.string().regex(/^[0-9*#+]{1,32}$/, "a DID: digits"),
    /** Share of these callers who take the express lane by pressing `press` during `prompt`. */
    express: z
      .strictObject({ share: probability, prompt: z.string().min(1), press: dtmfDigits, after: seconds.default(1) })
      .optional(),
    dtmf: z.array(timedDtmfSchema).default([]),
    prompts: z.array(promptRuleSchema).default([]),
    patience: z.strictObject({ total: distributionSchema.optional(), onHold: distributionSchema.optional() }).default({}),
    talkTime: distributionSchema.optional(),
  })
  .refine((p) => (p.numbers === undefined) !== (p.unknownNumbers === undefined), { message: "give either numbers or unknownNumbers" })
  .refine((p) => !p.unknownNumbers || p.unknownNumbers.length > p.unknownNumbers.prefix.length, {
    message: "unknownNumbers: length must exceed the prefix",
    path: ["unknownNumbers", "length"],
  });

export const agentSpecSchema = z.strictObject({
  /** `PJSIP/1001` */
  endpoint: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*\/[A-Za-z0-9_.+-]+$/, "an endpoint such as PJSIP/1001"),
  registered: z.boolean().default(true),
  /** Seconds from the first ring to answering. */
  answerDelay: distributionSchema.default(2),
  /** Seconds from answering until the agent hangs up. */
  talkTime: distributionSchema.default({ exponential: 120 }),
  noAnswerProbability: probability.default(0),
  /** Reject every call as busy (cause 17). */
  busy: z.boolean().default(false),
  /** Answers a ringing call when told to by a SIP NOTIFY `Event: talk` (AMI PJSIPNotify), as desk phones that allow it do. */
  remoteAnswer: z.boolean().default(false),
});

export const scenarioSchema = z.strictObject({
  seed: z.number().int().nonnegative(),
  /** Seconds of simulated time during which calls arrive. */
  duration: z.number().positive(),
  /** 1 = real time, 0.1 = ten times faster. */
  timeScale: z.number().positive().max(100).default(1),
  /** The Stasis application the inbound dialplan hands callers to (extensions.conf SWITCHBOARD_APP). */
  app: z.string().regex(/^[A-Za-z0-9_.-]+$/).default("switchboard"),
  arrivals: z
    .strictObject({
      rate: z.number().positive().describe("calls per minute, Poisson").optional(),
      /** Instead of a rate: the agents' busy share to size it for (scenario/sizing.ts). */
      occupancy: z.number().positive().max(1).optional(),
      /** Share of the calls placed that get through the IVR to an agent's queue, for the sizing. */
      reach: z.number().positive().max(1).default(1),
    })
    .refine((a) => (a.rate === undefined) !== (a.occupancy === undefined), { message: "give either rate (calls per minute) or occupancy (to size the rate from the agents)" }),
  callers: z.strictObject({ mix: z.array(callerProfileSchema).min(1) }),
  agents: z.array(agentSpecSchema).default([]),
  /** Customers behind the carrier trunk, for the daemon's outbound calls (`trunk`, `default`, `numbers`). */
  customers: customersSectionSchema.optional(),
  prompts: z
    .strictObject({
      /** Seconds any sound not listed below plays. */
      default: seconds.default(3),
      /** Per media URI (`sound:...` or `recording:...`), seconds. */
      durations: z.record(z.string().regex(/^(sound|recording):.+$/, "a sound: or recording: media URI"), seconds).default({}),
    })
    .default({ default: 3, durations: {} }),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type CallerProfile = z.infer<typeof callerProfileSchema>;
export type AgentSpec = z.infer<typeof agentSpecSchema>;
export type AgentSpecInput = z.input<typeof agentSpecSchema>;
export { patienceSchema };

export interface ScenarioProblem {
  file: string;
  /** Field path, e.g. `agents[1].talkTime`. */
  field: string;
  line?: number;
  message: string;
}

export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ScenarioError";
  }
}

export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ""}: ${p.field || "(root)"}: ${p.message}`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out;
}

/** Parses and validates scenario YAML; throws `ScenarioError` listing every problem. */
export function parseScenario(text: string, file = "<scenario>"): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      doc.errors.map((e) => ({ file, field: "", line: lines.linePos(e.pos[0]).line, message: `YAML: ${e.message.split("\n")[0]}` })),
    );
  }
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  throw new ScenarioError(
    parsed.error.issues.map((issue) => {
      // the deepest node that exists gives the line
      let line: number | undefined;
      for (let n = issue.path.length; n >= 0 && line === undefined; n--) {
        const node = doc.getIn(issue.path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === "object" && node.range) line = lines.linePos(node.range[0]).line;
      }
      const field = fieldPath(issue.path);
      // a bad record key: zod's own text is generic, the key's schema says what is expected
      const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return { file, field, ...(line ? { line } : {}), message };
    }),
  );
}

/** Reads and validates a scenario file. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioError([{ file, field: "", message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  return parseScenario(text, file);
}
