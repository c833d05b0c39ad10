/**
 * How fast a caller who joins the queue while an agent is free gets the agent's phone ringing: the
 * prompt before the queue node ends (the simulator sends its PlaybackFinished) -> the originate of the
 * agent's leg reaches the simulator. In between the daemon steps the tree into the queue node, joins the
 * caller in Redis, dispatches and originates. app_queue rings a free member within about 1 ms of Queue().
 *
 *   node --import tsx bench/queue-join.ts [--waiting 1000] [--calls 300] [--rate 20] [--agents 40]
 *   node --import tsx bench/queue-join.ts --baseline <git rev> [--runs 3] [the options above]
 *
 * First --waiting callers are put in the support queue's standard lane needing a skill only one agent has,
 * whose phone is busy, so they wait there for the whole run (the queue holds them, every sweep scans
 * them). Then --calls callers
 * join the express lane at --rate per second with --agents agents free: each is rung at once, answers
 * after 0.1 s, and the caller hangs up 0.3 s later (wrap-up 0), so an agent is free for the next one.
 * Both timestamps are taken in the simulator's process (bench/daemon-world.ts); the daemon runs in this
 * one. Trees of its own (written to a temporary directory): `hold` plays a prompt, then `queue`. Uses
 * REDIS_URL when set, else starts redis-server. Loopback only; stops by itself (at most 3 minutes).
 *
 * Where the time goes: marks on the machine's monotonic clock in both processes split each join into
 * the event reaching the daemon and the tree stepping into the queue node (PlaybackFinished sent -> the
 * queue's enqueue or join called), the queue's Redis calls (-> the offer in hand), the hand-off (-> ARI
 * originate called), ari-client (-> the request's end() on the socket), the request reaching the
 * simulator (-> its HTTP server emits it) and the simulator handling it (-> the agent leg created).
 * The daemon's marks wrap the queue's and the gateway's methods from outside, so they measure any version.
 *
 * --baseline <rev>: alternated runs of that revision and of this tree, `--runs` each (baseline first), in
 * child processes one after the other; the revision is checked out in a temporary git worktree with this
 * tree's measuring files (the bench/ files below) copied in, so both are measured the same way.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { arg } from "./args.js";
import { monoMs, startRig, summary, type Rig } from "./daemon-rig.js";
import type { WorldStats } from "./daemon-world.js";

const WAITING = arg("waiting", 1000);
const CALLS = arg("calls", 300);
const RATE = arg("rate", 20, "positive number");
const AGENTS = arg("agents", 40);
const JOIN_PROMPT = "sound:switchboard/please-hold";
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};

/** One run's figures: join -> originate per call, and the breakdown's segments, ms. */
interface RunResult {
  held: number;
  seconds: number;
  total: number[];
  segments: Record<string, number[]>;
  loops: string;
}

const SEGMENTS = [
  ["event + tree", "PlaybackFinished sent -> the queue's enqueue/join called"],
  ["queue (Redis)", "-> the offer in hand"],
  ["hand-off", "-> ARI originate called"],
  ["ari-client", "-> the request's end()"],
  ["to the simulator", "-> its HTTP server has the request"],
  ["simulator", "-> the agent leg created"],
] as const;

const tree = (name: string, lane: string, skills: string[]) => `name: ${name}
nodes:
  hold:
    type: play
    prompt: ${JOIN_PROMPT}
    next: queue
  queue:
    type: queue
    queue: support
    lane: ${lane}
    skills: [${skills.join(", ")}]
    maxWait: 3600
    onTimeout: bye
    onEmpty: bye
    onFull: bye
  bye:
    type: hangup
`;

/** The daemon's marks per call id, on the monotonic clock: queue called, offer in hand, originate called, request ended. */
type DaemonMarks = Map<string, { join?: number; offer?: number; originate?: number; sent?: number }>;

/**
 * Wraps the queue's and the ARI gateway's methods of the daemon under test (and http's request end) to
 * mark each join's steps; whichever of enqueue, dispatch and join the version under test has.
 */
function markDaemon(rig: Rig): DaemonMarks {
  const marks: DaemonMarks = new Map();
  const of = (callId: string) => marks.get(callId) ?? marks.set(callId, {}).get(callId)!;
  type Method = (...args: unknown[]) => Promise<unknown>;
  const wrap = (target: object, name: string, f: (orig: Method) => Method) => {
    const t = target as Record<string, Method | undefined>;
    const orig = t[name];
    if (typeof orig === "function") t[name] = f(orig.bind(target));
  };
  const offerIn = (r: unknown) => {
    const offer = r && typeof r === "object" && "offer" in r ? (r as { offer: unknown }).offer : r;
    const callId = offer && typeof offer === "object" && "callId" in offer ? String((offer as { callId: unknown }).callId) : undefined;
    if (callId) of(callId).offer ??= monoMs();
    return r;
  };
  const joining: (orig: Method) => Method = (orig) => (req, ...rest) => {
    of(String((req as { callId: string }).callId)).join ??= monoMs();
    return orig(req, ...rest).then(offerIn);
  };
  wrap(rig.daemon.queue, "enqueue", joining);
  wrap(rig.daemon.queue, "join", joining);
  wrap(rig.daemon.queue, "dispatch", (orig) => (...args) => orig(...args).then(offerIn));
  for (const link of rig.daemon.servers.values()) {
    wrap(link.ari, "originate", (orig) => (o, ...rest) => {
      const callId = (o as { appArgs?: string[] }).appArgs?.[1];
      if (callId) of(callId).originate ??= monoMs();
      return orig(o, ...rest);
    });
  }
  const end = http.ClientRequest.prototype.end;
  http.ClientRequest.prototype.end = function (this: http.ClientRequest, ...args: unknown[]) {
    if (this.method === "POST" && this.path.startsWith("/ari/channels?")) {
      const callId = /[?&]channelId=sba-([^&~]+)~/.exec(decodeURIComponent(this.path))?.[1];
      if (callId) of(callId).sent ??= monoMs();
    }
    return (end as (...a: unknown[]) => http.ClientRequest).apply(this, args);
  } as typeof end;
  return marks;
}

function breakdown(world: WorldStats, marks: DaemonMarks): Record<string, number[]> {
  const out: Record<string, number[]> = Object.fromEntries(SEGMENTS.map(([name]) => [name, []]));
  for (const w of world.joinMarks) {
    const d = marks.get(w.callId);
    const points = [w.finished, d?.join, d?.offer, d?.originate, d?.sent, w.request, w.created];
    SEGMENTS.forEach(([name], i) => {
      const [a, b] = [points[i], points[i + 1]];
      if (a !== undefined && b !== undefined) out[name]!.push(b - a);
    });
  }
  return out;
}

async function runOnce(): Promise<RunResult> {
  const trees = mkdtempSync(path.join(tmpdir(), "switchboard-queue-join-"));
  writeFileSync(path.join(trees, "join.yaml"), tree("Joins the express lane", "express", ["support"]));
  writeFileSync(path.join(trees, "wait.yaml"), tree("Waits in the standard lane for the one agent with the vip skill", "standard", ["support", "vip"]));
  const ids = Array.from({ length: AGENTS }, (_, i) => String(3001 + i));
  const rig = await startRig("queue-join", {
    timeScale: 1,
    hardStopMs: 180_000,
    config: (base) => ({
      // DIDs the inbound dialplan sends to Stasis without a tree name, so ivr.didMap decides
      ivr: { ...base.ivr, treesDir: trees, defaultTree: "join", didMap: { "900": "join", "901": "wait" }, watch: false },
      agents: [
        ...ids.map((id) => ({ id, name: `Agent ${id}`, endpoint: `PJSIP/${id}`, queues: ["support"], skills: ["support"], autoAvailable: true })),
        { id: "vip", name: "Busy VIP agent", endpoint: "PJSIP/3999", queues: ["support"], skills: ["support", "vip"], autoAvailable: true },
      ],
      queues: { ...base.queues, support: { ...base.queues.support!, wrapUp: 0, maxWaiting: WAITING + CALLS + 100, reserve: undefined } },
      calls: { ...base.calls, announceEvery: 0, ringTimeout: 10 },
    }),
  });
  const marks = markDaemon(rig);

  rig.send({ cmd: "agents", endpoints: ids.map((id) => `PJSIP/${id}`), answerDelay: 0.1, talkTime: 600 });
  await rig.next("ok");
  rig.send({ cmd: "joinPrompt", media: JOIN_PROMPT });
  await rig.next("ok");
  // the vip agent is staffed (the waiting callers are not refused) but on another call, for good
  await rig.daemon.queue.deviceState("PJSIP/3999", "in_use");

  const waiting = Array.from({ length: WAITING }, (_, i) => ({ caller: String(5_580_000 + i), did: "901", hangupAfter: 170 }));
  const queued = async () => (await rig.daemon.queue.status("support")).waiting;
  const t0 = Date.now();
  await rig.place(waiting, 250, { done: () => false, timeoutMs: 0, pollMs: 100 });
  while ((await queued()) < WAITING && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
  const held = await queued();

  const calls = Array.from({ length: CALLS }, (_, i) => ({ caller: String(5_590_000 + i), did: "900", talkTime: 0.3, hangupAfter: 60 }));
  const { stats: s, seconds } = await rig.place(calls, RATE, { done: (w) => w.joinToOriginate.length >= CALLS, timeoutMs: 20_000, pollMs: 100 });
  const result = { held, seconds, total: s.joinToOriginate, segments: breakdown(s, marks), loops: rig.loops(s) };
  await rig.stop();
  rmSync(trees, { recursive: true, force: true });
  return result;
}

const quantile = (ms: number[], q: number) => {
  const s = [...ms].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN;
};

function report(r: RunResult): string {
  const seg = SEGMENTS.map(([name, what]) => `    ${`${name}:`.padEnd(18)} ${quantile(r.segments[name]!, 0.5).toFixed(2)} / ${quantile(r.segments[name]!, 0.99).toFixed(2)} ms  (${what})`);
  return [
    `queue-join: ${r.held} callers waiting in the queue, ${CALLS} callers joining at ${RATE}/s with ${AGENTS} agents (${r.seconds.toFixed(1)} s)`,
    `  join (the prompt before the queue node ends) -> the agent's phone originated: ${summary(r.total)}`,
    `  where the time goes, median / p99 of each step:`,
    ...seg,
    `  ${r.loops}`,
  ].join("\n");
}

/** The bench/ files that measure: copied into the baseline's worktree so both sides are measured alike. */
const MEASURING = ["queue-join.ts", "daemon-world.ts", "daemon-rig.ts", "args.ts", "loop-delay.ts"];

/** --baseline: alternated child runs of the revision (in a temporary worktree) and of this tree. */
function compare(rev: string, runs: number): void {
  const here = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
  const base = mkdtempSync(path.join(tmpdir(), "switchboard-queue-join-base-"));
  const git = (...a: string[]) => {
    const r = spawnSync("git", a, { cwd: here, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${a.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const commit = git("rev-parse", "--short", rev);
  git("worktree", "add", "--detach", base, commit);
  try {
    for (const f of MEASURING) cpSync(path.join(here, "bench", f), path.join(base, "bench", f));
    symlinkSync(path.join(here, "node_modules"), path.join(base, "node_modules"));
    const skip = new Set(["--baseline", "--runs"]);
    const forwarded = process.argv.slice(2).filter((a, i, all) => !skip.has(a) && !skip.has(all[i - 1]!));
    const results: Record<"baseline" | "this tree", RunResult[]> = { baseline: [], "this tree": [] };
    for (let i = 0; i < runs; i++) {
      for (const [side, root] of [["baseline", base], ["this tree", here]] as const) {
        const out = path.join(base, `result-${side.replace(" ", "-")}-${i}.json`);
        process.stdout.write(`\n--- ${side} (${side === "baseline" ? commit : "working tree"}), run ${i + 1} of ${runs}\n`);
        const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "bench", "queue-join.ts"), ...forwarded, "--json", out], { cwd: root, stdio: "inherit" });
        if (r.status !== 0) throw new Error(`${side} run ${i + 1} failed (exit ${r.status})`);
        results[side].push(JSON.parse(readFileSync(out, "utf8")) as RunResult);
      }
    }
    const range = (rs: RunResult[], f: (r: RunResult) => number) => {
      const v = rs.map(f).sort((a, b) => a - b);
      return `${v[0]!.toFixed(2)}-${v.at(-1)!.toFixed(2)}`;
    };
    const rows: Array<[string, (r: RunResult) => number]> = [
      ["join -> originate, median", (r) => quantile(r.total, 0.5)],
      ["join -> originate, p99", (r) => quantile(r.total, 0.99)],
      ["join -> originate, max", (r) => Math.max(...r.total)],
      ...SEGMENTS.map(([name]) => [`  ${name}, median`, (r: RunResult) => quantile(r.segments[name]!, 0.5)] as [string, (r: RunResult) => number]),
    ];
    process.stdout.write(`\nqueue-join, ${runs} alternated runs each (ranges over the runs, ms): baseline ${commit} | this tree\n`);
    for (const [name, f] of rows) process.stdout.write(`  ${name.padEnd(30)} ${range(results.baseline, f).padStart(13)} | ${range(results["this tree"], f)}\n`);
  } finally {
    // the link first, so that nothing removing the worktree can follow it into this tree's node_modules
    rmSync(path.join(base, "node_modules"), { force: true });
    git("worktree", "remove", "--force", base);
    rmSync(base, { recursive: true, force: true });
  }
}

const baseline = option("baseline");
if (baseline) compare(baseline, arg("runs", 3));
else {
  const r = await runOnce();
  process.stdout.write(`${report(r)}\n`);
  const json = option("json");
  if (json) writeFileSync(json, JSON.stringify(r));
}
