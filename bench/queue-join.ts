/**
 * How fast a caller who joins the queue while an agent is free gets the agent's phone ringing: the
 * prompt before the queue node ends (the simulator sends its PlaybackFinished) -> the originate of the
 * agent's leg reaches the simulator. In between the daemon steps the tree into the queue node, joins the
 * caller in Redis, dispatches and originates. app_queue rings a free member within about 1 ms of Queue().
 *
 *   node --import tsx bench/queue-join.ts [--waiting 1000] [--calls 300] [--rate 20] [--agents 40]
 *
 * First --waiting callers are put in the support queue's standard lane needing a skill only one agent has,
 * whose phone is busy, so they wait there for the whole run (the queue holds them, every sweep scans
 * them). Then --calls callers
 * join the express lane at --rate per second with --agents agents free: each is rung at once, answers
 * after 0.1 s, and the caller hangs up 0.3 s later (wrap-up 0), so an agent is free for the next one.
 * Both timestamps are taken in the simulator's process (bench/daemon-world.ts); the daemon runs in this
 * one. Trees of its own (written to a temporary directory): `hold` plays a prompt, then `queue`. Uses
 * REDIS_URL when set, else starts redis-server. Loopback only; stops by itself (at most 3 minutes).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { arg } from "./args.js";
import { startRig, summary } from "./daemon-rig.js";

const WAITING = arg("waiting", 1000);
const CALLS = arg("calls", 300);
const RATE = arg("rate", 20, "positive number");
const AGENTS = arg("agents", 40);
const JOIN_PROMPT = "sound:switchboard/please-hold";

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

const out = [
  `queue-join: ${held} callers waiting in the queue, ${CALLS} callers joining at ${RATE}/s with ${AGENTS} agents (${seconds.toFixed(1)} s)`,
  `  join (the prompt before the queue node ends) -> the agent's phone originated: ${summary(s.joinToOriginate)}`,
  `  ${rig.loops(s)}`,
];
process.stdout.write(`${out.join("\n")}\n`);
await rig.stop();
rmSync(trees, { recursive: true, force: true });
