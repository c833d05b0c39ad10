/**
 * How fast a screen-pop reaches the agent: the agent's phone answers (its leg enters Stasis in the
 * simulator) -> the pop frame arrives at that agent's desktop WebSocket. In between the daemon bridges
 * the call, composes the pop (prefetched CRM record, offers ranked with their caps in Redis, IVR path)
 * and publishes it through Redis to the hub holding the agent's socket.
 *
 *   node --import tsx bench/pop-latency.ts [--agents 200] [--calls 1000] [--rate 50]
 *
 * Demo customers call the main line (DID 800) through the IVR to technical support; --agents desktop
 * agents are logged in over WebSocket and available, their simulated phones answer after 0.5 s and talk
 * for 2 s (simulator time, run at 10x). The simulator and the desktops run in their own process
 * (bench/daemon-world.ts), where both timestamps are taken. Uses REDIS_URL when set, else starts
 * redis-server. Stops by itself (at most 3 minutes).
 */
import { hashPassword } from "../src/cti/password.js";
import { issueSession } from "../src/cti/session.js";
import { arg } from "./args.js";
import { startRig, summary } from "./daemon-rig.js";

const AGENTS = arg("agents", 200);
const CALLS = arg("calls", 1000);
const RATE = arg("rate", 50, "positive number");
const TIME_SCALE = 0.1;

const ids = Array.from({ length: AGENTS }, (_, i) => String(2001 + i));
// one hash for every agent: the bench logs in with session tokens, the password is never used
const passwordHash = await hashPassword(`bench-${Date.now()}`);
const rig = await startRig("pop-latency", {
  timeScale: TIME_SCALE,
  hardStopMs: 180_000,
  config: (base) => ({
    agents: ids.map((id) => ({ id, name: `Agent ${id}`, endpoint: `PJSIP/${id}`, queues: ["support"], skills: ["support"], passwordHash })),
    queues: { ...base.queues, support: { ...base.queues.support!, wrapUp: 1, maxWaiting: CALLS } },
    calls: { ...base.calls, announceEvery: 0 },
  }),
});

rig.send({ cmd: "agents", endpoints: ids.map((id) => `PJSIP/${id}`), answerDelay: 0.5, talkTime: 2 });
await rig.next("ok");
const tokens = Object.fromEntries(ids.map((id) => [id, issueSession(rig.sessionSecret, id, { hours: 1 }).token]));
rig.send({ cmd: "desktops", url: rig.daemon.url, tokens });
await rig.next("ok");

// the ten demo customers in turn: gold/express ones go straight to the express lane, the others choose
// technical support and type an account number
const calls = Array.from({ length: CALLS }, (_, i) => ({
  caller: String(5551001 + (i % 10)),
  did: "800",
  hangupAfter: 300,
  prompts: [
    { prompt: "sound:switchboard/main-menu", after: 0.5, press: "2" },
    { prompt: "sound:switchboard/enter-account", after: 0.5, press: "12345678#" },
  ],
}));
const { stats: s, seconds } = await rig.place(calls, RATE, { done: (w) => w.pop.length >= CALLS, timeoutMs: 120_000, pollMs: 250 });

const out = [
  `pop-latency: ${AGENTS} agents on desktops, ${CALLS} calls at ${RATE}/s, ${s.pop.length} pops in ${seconds.toFixed(1)} s`,
  `  agent answers -> pop at the desktop: ${summary(s.pop)}`,
  `    the first 100 (a daemon just started: code not yet optimised, connections being opened): ${summary(s.pop.slice(0, 100))}`,
  `    the rest: ${summary(s.pop.slice(100))}`,
  `  answered legs without a pop when the run ended: ${s.popsPending}`,
  `  ${rig.loops(s)}`,
];
process.stdout.write(`${out.join("\n")}\n`);
await rig.stop();
