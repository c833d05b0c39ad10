/**
 * A tiny dialplan: contexts -> extensions -> priorities (1-based), each running one application
 * with its data. Data is either a template (`${VAR}`, `${CALLERID(num)}`, `${CALLERID(name)}`,
 * `${CHANNEL}`, `${UNIQUEID}`, `${EXTEN}`, `${CONTEXT}`) or a function of a variable getter, which
 * is how defaults such as `Wait(${DTMF_DELAY} or 2)` are written without Asterisk's expression
 * language. Extensions may be patterns (`_X.`, `_1XXX`, `_[1-3]Z!`) as in extensions.conf.
 */

export type VarGetter = (name: string) => string;
export type AppDataSpec = string | ((get: VarGetter) => string);

export interface PriorityStep {
  app: string;
  data?: AppDataSpec;
}

export type ContextSpec = Record<string, PriorityStep[]>;
export type DialplanSpec = Record<string, ContextSpec>;

export function expandTemplate(template: string, get: VarGetter): string {
  // innermost-first substitution so that ${X} inside other text works; no nesting of functions
  let out = template;
  for (let guard = 0; guard < 20; guard++) {
    const next = out.replace(/\$\{([^${}]+)\}/g, (_m, name: string) => get(name.trim()));
    if (next === out) break;
    out = next;
  }
  return out;
}

function patternToRegExp(pattern: string): RegExp {
  let re = "^";
  const p = pattern.slice(1);
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    switch (c.toUpperCase()) {
      case "X":
        re += "[0-9]";
        break;
      case "Z":
        re += "[1-9]";
        break;
      case "N":
        re += "[2-9]";
        break;
      case ".":
        re += ".+";
        break;
      case "!":
        re += ".*";
        break;
      case "[": {
        const end = p.indexOf("]", i);
        if (end < 0) {
          re += "\\[";
          break;
        }
        re += "[" + p.slice(i + 1, end).replace(/[\\^]/g, "\\$&") + "]";
        i = end;
        break;
      }
      default:
        re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(re + "$");
}

export class Dialplan {
  private readonly contexts = new Map<string, Map<string, PriorityStep[]>>();

  constructor(spec: DialplanSpec = {}) {
    this.load(spec);
  }

  /** Adds or replaces contexts. */
  load(spec: DialplanSpec): void {
    for (const [ctx, exts] of Object.entries(spec)) {
      const m = this.contexts.get(ctx) ?? new Map<string, PriorityStep[]>();
      for (const [ext, steps] of Object.entries(exts)) m.set(ext, steps);
      this.contexts.set(ctx, m);
    }
  }

  hasContext(context: string): boolean {
    return this.contexts.has(context);
  }

  /** The extension key that `exten` matches in `context` (exact match first, then patterns). */
  matchExten(context: string, exten: string): string | undefined {
    const ctx = this.contexts.get(context);
    if (!ctx) return undefined;
    if (ctx.has(exten)) return exten;
    for (const key of ctx.keys()) {
      if (key.startsWith("_") && patternToRegExp(key).test(exten)) return key;
    }
    return undefined;
  }

  exists(context: string, exten: string, priority = 1): boolean {
    return this.step(context, exten, priority) !== undefined;
  }

  step(context: string, exten: string, priority: number): PriorityStep | undefined {
    const key = this.matchExten(context, exten);
    if (key === undefined) return undefined;
    return this.contexts.get(context)?.get(key)?.[priority - 1];
  }

  contextNames(): string[] {
    return [...this.contexts.keys()];
  }
}

const orDefault =
  (name: string, def: string): ((get: VarGetter) => string) =>
  (get) =>
    get(name) || def;

/**
 * The dialplan of the server the fixtures were recorded on (see the fixtures README), written as
 * the Newexten/ChannelDialplan events show it.
 */
export function recordedDialplan(appName = "cti"): DialplanSpec {
  const agent = (n: string, ringSeconds: string): PriorityStep[] => [
    { app: "NoOp", data: `${n} ringing` },
    { app: "Ringing" },
    { app: "Wait", data: ringSeconds },
    { app: "Answer" },
    { app: "Wait", data: orDefault("AGENT_TALK", "6") },
    { app: "Hangup" },
  ];
  const noAnswer = (n: string): PriorityStep[] => [
    { app: "NoOp", data: `${n} rings but never answers` },
    { app: "Ringing" },
    { app: "Wait", data: "120" },
  ];
  return {
    "dtmf-driver": {
      s: [
        { app: "NoOp", data: "dtmf-driver: digits=${DTMF_DIGITS} delay=${DTMF_DELAY}" },
        { app: "Answer" },
        { app: "Wait", data: orDefault("DTMF_DELAY", "2") },
        { app: "SendDTMF", data: (get) => `${get("DTMF_DIGITS") || "123#"},250,100` },
        { app: "Wait", data: orDefault("DTMF_HOLD", "5") },
        { app: "Hangup" },
      ],
    },
    "inbound-stasis": {
      s: [
        { app: "NoOp", data: "inbound-stasis" },
        { app: "Stasis", data: `${appName},inbound,\${CALLERID(num)}` },
        { app: "Hangup" },
      ],
    },
    agents: { agent1: agent("agent1", "2"), agent2: agent("agent2", "4") },
    "agents-noanswer": { agent8: noAnswer("agent8"), agent9: noAnswer("agent9") },
    "queue-entry": {
      s: [
        { app: "NoOp", data: "queue-entry: joining support" },
        { app: "Answer" },
        { app: "Queue", data: "support,,,,60" },
      ],
    },
    "caller-hold": { s: [{ app: "NoOp", data: "caller-hold" }, { app: "Wait", data: "30" }] },
    "after-stasis": {
      s: [{ app: "NoOp", data: "continued out of Stasis" }, { app: "Wait", data: "1" }, { app: "Hangup" }],
    },
  };
}
