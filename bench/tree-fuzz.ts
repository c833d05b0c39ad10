/**
 * Fuzzes tree validation and evaluation: random mutations of a valid tree, huge trees, hostile
 * expressions and YAML, and for every case that validates a simulated call with random keys and a
 * random (sometimes hostile) customer record. Prints the cases run, the crashes (an exception out of the
 * loader or the engine, or a diagnostic without a place), the hangs (a case still running after
 * --hang-ms, which is then killed), the cases over 2 s, and the time per case (max, p50, p99).
 *
 *   node --import tsx bench/tree-fuzz.ts [--cases 3000] [--seconds 240] [--seed 1] [--hang-ms 15000]
 *
 * Bounded in count and in time, it stops by itself; exit code 1 when a case crashed, hung or took over
 * 2 s. Cases run in a child process (so a hang can be killed); each case is made from the seed and its
 * number alone, so `--seed S` replays a run and the report names the cases to look at.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startCall, step, type CallState, type EngineEvent } from "../src/ivr/engine/index.js";
import { loadTreeSources } from "../src/ivr/load.js";
import { SeededRandom } from "../src/lib/seeded-random.js";
import { arg } from "./args.js";
import { hugeTree, mutate, NASTY_EXPRESSIONS, SEED_TREE } from "./tree-gen.js";

const SLOW_MS = 2_000;
const KINDS = ["mutated", "huge", "expression", "yaml"] as const;
type Kind = (typeof KINDS)[number];

interface CaseResult {
  i: number;
  kind: Kind;
  bytes: number;
  ms: number;
  valid: boolean;
  crash?: string;
}

/** Case `i` of a run: made from the seed and `i` alone. */
function makeCase(seed: number, i: number): { kind: Kind; text: string; rnd: SeededRandom } {
  const rnd = new SeededRandom(seed * 1_000_003 + i);
  const kind = KINDS[i % KINDS.length]!;
  switch (kind) {
    case "mutated": {
      let text = SEED_TREE;
      for (let k = rnd.int(0, 5); k > 0; k--) text = mutate(text, rnd);
      return { kind, text, rnd };
    }
    case "huge":
      return { kind, text: hugeTree({ nodes: rnd.int(100, 2_600), hugeString: rnd.chance(0.3) ? rnd.int(1, 60_000) : 0, typoEvery: rnd.chance(0.5) ? rnd.int(1, 200) : 0 }), rnd };
    case "expression": {
      const expr = rnd.chance(0.5) ? rnd.pick(NASTY_EXPRESSIONS) : randomExpression(rnd, rnd.int(1, 6));
      const field = rnd.pick(["when", "validate", "laneExpr", "key"]);
      return { kind, text: SEED_TREE.replace(new RegExp(`${field}: .*$`, "m"), `${field}: ${JSON.stringify(expr)}`), rnd };
    }
    case "yaml":
      return { kind, text: hostileYaml(rnd), rnd };
  }
}

const ATOMS = ["value", "vars.count", "customer.tier", "customer.list", "call.callerNumber", '"gold"', "1", "2.5", "true", "null", "[1, 2, 3]", '{"a": 1}', "customer.pattern"];
const BINARY = ["==", "!=", "<", "+", "-", "*", "/", "%", "&&", "||", "in"];
const METHODS = [".size()", '.startsWith("+4")', '.matches("^[0-9]+$")', ".matches(customer.pattern)", '.contains("x")', ".lowerAscii()"];
const MACROS = ["all", "exists", "map", "filter", "exists_one"];

function randomExpression(rnd: SeededRandom, depth: number): string {
  if (depth <= 0) return rnd.pick(ATOMS);
  switch (rnd.int(0, 5)) {
    case 0:
      return `${randomExpression(rnd, depth - 1)} ${rnd.pick(BINARY)} ${randomExpression(rnd, depth - 1)}`;
    case 1:
      return `${randomExpression(rnd, depth - 1)}${rnd.pick(METHODS)}`;
    case 2:
      return `${rnd.pick(["customer.list", "[1, 2, 3]", "vars.list"])}.${rnd.pick(MACROS)}(x, ${randomExpression(rnd, depth - 1).replace("value", "x")})`;
    case 3:
      return `(${randomExpression(rnd, depth - 1)}) ? ${randomExpression(rnd, depth - 1)} : ${randomExpression(rnd, depth - 1)}`;
    case 4:
      return `!${randomExpression(rnd, depth - 1)}`;
    default:
      return `has(${rnd.pick(["customer.tier", "vars.count", "customer.list"])})`;
  }
}

/** Alias bombs, deep nesting, merge keys of every kind, odd tags and keys. */
function hostileYaml(rnd: SeededRandom): string {
  switch (rnd.int(0, 4)) {
    case 0: {
      const lines = ["vars:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
      for (let k = 1; k < rnd.int(2, 12); k++) lines.push(`  a${k}: &a${k} [${Array(rnd.int(2, 12)).fill(`*a${k - 1}`).join(", ")}]`);
      return `${lines.join("\n")}\nnodes:\n  bye: { type: hangup }\n`;
    }
    case 1:
      return `nodes:\n  bye: { type: hangup, x: ${"[".repeat(rnd.int(10, 100_000))} }\n`;
    case 2:
      return `nodes:\n${Array.from({ length: rnd.int(1, 3000) }, (_, k) => `  n${k}: { <<: ${rnd.pick(["*m", "[*m, *m]", "{ type: hangup }", "1", "*nope"])}, type: hangup }`).join("\n").replace("  n0: {", "  n0: &m {")}\n`;
    case 3:
      return `${rnd.pick(["!!binary", "!custom", "!!set", "!!omap", "&x", ""])} nodes:\n  ? [a, b]\n  : { type: hangup }\n  __proto__: { type: hangup }\n  "${"k".repeat(rnd.int(1, 100_000))}": { type: goto, target: __proto__ }\n`;
    default:
      return Array.from({ length: rnd.int(1, 2000) }, (_, k) => `${" ".repeat(k % 400)}k${k}:`).join("\n");
  }
}

const CUSTOMERS = [
  {},
  { tier: "gold", list: [1, 2, 3] },
  { tier: "x".repeat(100_000), pattern: "^(1+)+$", list: Array.from({ length: 5_000 }, (_, k) => k) },
  { pattern: "^(\\+|4|9|3|0|1|2)+$", list: Array.from({ length: 300 }, (_, k) => k) },
  { pattern: "(a|a)*\\1", list: ["a", "b"] },
  { pattern: "[", list: null },
];

/** One call through the set with random events; throws if the engine does. */
function simulate(set: NonNullable<ReturnType<typeof loadTreeSources>["set"]>, rnd: SeededRandom): void {
  const tree = rnd.pick([...set.trees.keys()]);
  let r = startCall(set, tree, { callId: "fuzz", callerNumber: rnd.pick(["5551001", "+4930123", `${"1".repeat(40)}x`]) }, { customer: rnd.pick(CUSTOMERS) });
  for (let k = 0; k < 60 && r.state.status !== "ended"; k++) r = step(set, r.state, randomEvent(r.state, r.actions, rnd));
}

function randomEvent(state: CallState, actions: ReturnType<typeof step>["actions"], rnd: SeededRandom): EngineEvent {
  const last = actions.at(-1);
  if (state.status === "queued") return { type: "queueResult", outcome: rnd.pick(["answered", "timeout", "empty", "full"] as const) };
  if (last?.type === "lookup") return { type: "lookupResult", id: last.id, ok: true, found: true, data: rnd.pick(CUSTOMERS) as Record<string, unknown> };
  if (last?.type === "play" && rnd.chance(0.6)) return { type: "playbackFinished", id: last.id };
  if (last?.type === "startTimer" && rnd.chance(0.3)) return { type: "timer", id: last.id };
  return rnd.chance(0.05) ? { type: "hangup" } : { type: "dtmf", digit: rnd.pick([..."0123456789#*"]) };
}

function runCase(seed: number, i: number): CaseResult {
  const { kind, text, rnd } = makeCase(seed, i);
  const t0 = performance.now();
  const result: CaseResult = { i, kind, bytes: Buffer.byteLength(text), ms: 0, valid: false };
  try {
    const { set, diagnostics } = loadTreeSources([{ file: "fuzz.yaml", text }, { file: "other.yaml", text: "nodes:\n  start: { type: hangup }\n" }]);
    const unplaced = diagnostics.find((d) => !(d.line >= 1 && d.col >= 1) || d.message.length === 0);
    if (unplaced) result.crash = `diagnostic without a place: ${JSON.stringify(unplaced).slice(0, 200)}`;
    if ((set === undefined) !== diagnostics.some((d) => d.severity === "error")) result.crash = "a set with errors, or no set without one";
    if (set) {
      result.valid = true;
      simulate(set, rnd);
    }
  } catch (err) {
    result.crash = `${(err as Error).name}: ${(err as Error).message.split("\n")[0]!.slice(0, 200)}`;
  }
  result.ms = performance.now() - t0;
  return result;
}

// ---- the child: runs cases from `from` on, one message per case -------------------------------------
if (process.argv.includes("--child")) {
  process.on("message", (m: { seed: number; from: number; to: number }) => {
    for (let i = m.from; i < m.to; i++) process.send!(runCase(m.seed, i));
    process.send!({ done: true });
  });
  process.send!({ ready: true });
} else {
  await main();
}

async function main(): Promise<void> {
  const cases = arg("cases", 3_000);
  const seconds = arg("seconds", 240);
  const seed = arg("seed", 1, "number");
  const hangMs = arg("hang-ms", 15_000);
  const deadline = Date.now() + seconds * 1000;
  const results: CaseResult[] = [];
  const hangs: number[] = [];
  let next = 0;
  console.log(`tree fuzz: up to ${cases} cases or ${seconds} s, seed ${seed}, hang after ${hangMs} ms`);
  while (next < cases && Date.now() < deadline) {
    const hungAt = await runChild(seed, next, cases, deadline, hangMs, (r) => {
      results.push(r);
      next = r.i + 1;
    });
    if (hungAt !== undefined) {
      hangs.push(hungAt);
      next = hungAt + 1;
    }
  }
  report(results, hangs, seed);
}

/** Runs cases in a child until done, out of time, or a case hangs (answered with that case's number). */
function runChild(seed: number, from: number, to: number, deadline: number, hangMs: number, onResult: (r: CaseResult) => void): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(import.meta.url), ["--child"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let current = from;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (ms = hangMs) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(current);
      }, ms);
    };
    arm(60_000); // the child's own start (tsx, the modules)
    child.on("message", (m: CaseResult | { done: true } | { ready: true }) => {
      if ("ready" in m) {
        arm();
        child.send({ seed, from, to });
        return;
      }
      if ("done" in m) {
        clearTimeout(watchdog);
        child.kill();
        return resolve(undefined);
      }
      onResult(m);
      current = m.i + 1;
      if (Date.now() > deadline) {
        clearTimeout(watchdog);
        child.kill();
        return resolve(undefined);
      }
      arm();
    });
    child.on("exit", () => {
      clearTimeout(watchdog);
      resolve(undefined);
    });
  });
}

function report(results: CaseResult[], hangs: number[], seed: number): void {
  const crashes = results.filter((r) => r.crash);
  const slow = results.filter((r) => r.ms > SLOW_MS);
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const q = (p: number) => (times.length ? times[Math.min(times.length - 1, Math.floor(p * times.length))]! : 0);
  const worst = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(`cases     ${results.length + hangs.length} (${results.filter((r) => r.valid).length} valid and simulated)`);
  for (const k of KINDS) {
    const of = results.filter((r) => r.kind === k);
    console.log(`  ${k.padEnd(11)} ${String(of.length).padStart(5)} cases, max ${Math.max(0, ...of.map((r) => r.ms)).toFixed(0).padStart(5)} ms, largest ${Math.max(0, ...of.map((r) => r.bytes)).toLocaleString("en")} bytes`);
  }
  console.log(`crashes   ${crashes.length}`);
  for (const c of crashes.slice(0, 10)) console.log(`  case ${c.i} (${c.kind}): ${c.crash}`);
  console.log(`hangs     ${hangs.length}${hangs.length ? ` (cases ${hangs.join(", ")})` : ""}`);
  console.log(`over ${SLOW_MS / 1000} s  ${slow.length}${slow.length ? ` (cases ${slow.map((r) => r.i).join(", ")})` : ""}`);
  console.log(`per case  max ${q(1).toFixed(1)} ms   p99 ${q(0.99).toFixed(1)} ms   p50 ${q(0.5).toFixed(1)} ms`);
  console.log(`slowest   ${worst.map((r) => `#${r.i} ${r.kind} ${r.ms.toFixed(0)} ms`).join(", ")}   (replay: --seed ${seed})`);
  process.exitCode = crashes.length || hangs.length || slow.length ? 1 : 0;
}
