import { SeededRandom } from "../src/lib/seeded-random.js";

/**
 * Tree files for the validation benchmarks and attack tests: a huge tree with the shapes that made
 * validation quadratic (thousands of nodes, gotos to misspelt ids, aliases and merge keys, one huge
 * string where a "did you mean" is computed), and random mutations of valid trees for fuzzing.
 */

const pad = (i: number) => String(i).padStart(5, "0");

export interface HugeTreeOptions {
  nodes: number;
  /** Characters of the one huge string: an unknown node type and a goto target, each compared with every candidate by the suggester. */
  hugeString?: number;
  /** Every n-th node jumps to a misspelt id (a "did you mean" over every node id). */
  typoEvery?: number;
}

/** A tree of `nodes` menus (about 100 bytes each), with aliases, merge keys, typos and one huge string. */
export function hugeTree(opts: HugeTreeOptions): string {
  const lines = ["vars:", "  reason: general", "nodes:"];
  for (let i = 0; i < opts.nodes; i++) {
    const next = i + 1 < opts.nodes ? `n${pad(i + 1)}` : "bye";
    const typo = opts.typoEvery && i % opts.typoEvery === opts.typoEvery - 1 ? `n${pad(i + 2)}x` : next;
    lines.push(`  n${pad(i)}:`, `    type: menu`, `    prompt: sound:p${i}`, `    options: { "1": ${next}, "2": ${typo} }`);
    const retry = i % 500 === 0 ? `&r${i} { prompt: sound:no-input }` : `*r${i - (i % 500)}`;
    lines.push(`    noInput: ${retry}`, `    onFail: bye`);
  }
  if (opts.hugeString) {
    const huge = "m".repeat(opts.hugeString);
    lines.push(`  huge:`, `    type: ${huge}`, `    next: bye`, `  huge-goto:`, `    type: goto`, `    target: ${huge}`);
  }
  lines.push(`  bye:`, `    <<: &end { type: hangup }`);
  return `${lines.join("\n")}\n`;
}

/** A small valid tree with every node type and expression field: the seed the fuzzer mutates. */
export const SEED_TREE = `name: Fuzz seed
vars:
  reason: general
  count: 0
nodes:
  welcome:
    type: play
    prompt: sound:switchboard/welcome
    bargeIn: true
    next: identify
  identify:
    type: lookup
    key: call.callerNumber
    timeout: 2
    next: check
    onNotFound: menu
    onError: menu
  check:
    type: branch
    cases:
      - when: has(customer.tier) && customer.tier == "gold"
        goto: express
      - when: has(customer.pattern) && call.callerNumber.matches(customer.pattern)
        goto: express
      - when: has(customer.list) && customer.list.exists(x, customer.list.exists(y, x == y - 100000))
        goto: express
    default: menu
  menu:
    type: menu
    prompt: [sound:switchboard/main-menu]
    options:
      "1": { goto: account, label: billing, set: { reason: billing } }
      "2": count
      "0": operator
    noInput: &retry { prompt: sound:switchboard/no-input }
    invalid: *retry
    onFail: operator
  count:
    type: set
    vars: { reason: counted }
    expr: { count: "vars.count + 1" }
    next: replay
  replay:
    type: play
    prompt: sound:switchboard/again
    next: menu
  account:
    type: gather
    prompt: sound:switchboard/account
    variable: account
    minDigits: 8
    maxDigits: 8
    validate: value.matches("^[0-9]{8}$")
    next: express
    onFail: operator
  express:
    type: queue
    queue: support
    laneExpr: 'vars.reason == "billing" ? "express" : "standard"'
    onTimeout: operator
    onEmpty: bye
  operator:
    type: transfer
    endpoint: PJSIP/operator
  bye:
    type: hangup
`;

/** Expressions an attacker or a careless admin could write: runaway regexes, comprehensions, huge literals. */
export const NASTY_EXPRESSIONS = [
  'value.matches("^(1+)+$")',
  'value.matches("^(a|a)*$")',
  'value.matches("(\\\\d+)*x")',
  'value.matches("^(\\\\w+\\\\s?)*$")',
  'value.matches("(.*a){12}")',
  'value.matches("^(a+)\\\\1$")',
  'value.matches("(?=a)a")',
  "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, true))))",
  `[${Array.from({ length: 1000 }, (_, i) => i).join(",")}].map(a, [${Array.from({ length: 1000 }, (_, i) => i).join(",")}].filter(b, b > a)).size() > 0`,
  `size("${"x".repeat(20_000)}") > 0`,
  `${"(".repeat(300)}true${")".repeat(300)}`,
  `${Array.from({ length: 3000 }, () => "true").join(" && ")}`,
];

const NOISE = ["\t", ":", "- ", "{", "}", "[", "]", "&a ", "*a", "<<: *a", "? ", "!!binary ", '"', "'", "#", "\n  ", "|", ">", "%", "@", "`", "\u0000", "\ufeff", "---\n", "...\n"];

/** One mutation of `text`: bytes dropped, duplicated or replaced, lines swapped, YAML punctuation or a nasty expression put in. */
export function mutate(text: string, rnd: SeededRandom): string {
  const at = rnd.int(0, text.length);
  switch (rnd.int(0, 7)) {
    case 0:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + rnd.int(1, 40)));
    case 1: {
      const len = rnd.int(1, 200);
      return text.slice(0, at) + text.slice(at, at + len).repeat(rnd.int(2, 50)) + text.slice(at);
    }
    case 2:
      return text.slice(0, at) + rnd.pick(NOISE) + text.slice(at);
    case 3: {
      const lines = text.split("\n");
      const i = rnd.int(0, lines.length - 1);
      const j = rnd.int(0, lines.length - 1);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join("\n");
    }
    case 4:
      return text.replace(/(when|validate|laneExpr|key|count): .*$/m, (_m, field: string) => `${field}: ${JSON.stringify(rnd.pick(NASTY_EXPRESSIONS))}`);
    case 5:
      return text.replace(/(goto|next|onFail|default): [a-z-]+/, (_m, field: string) => `${field}: ${"x".repeat(rnd.int(1, 100_000))}`);
    case 6:
      return text.slice(0, at) + String.fromCharCode(rnd.int(0, 0x2fff)) + text.slice(at + 1);
    default:
      return `${text}  extra${rnd.int(0, 999)}:\n    <<: *retry\n    type: menu\n    prompt: sound:x\n    options: { "1": bye }\n    onFail: bye\n`;
  }
}
