/**
 * Two daemons on one Redis and one PBX simulator, and a call back between them. Call backs have no call
 * session, so only the lease the running daemon holds on the call back (renewed every sweep) tells the
 * other daemon's agent watch that the agent on it is on a real call. Daemon 1 is a child process
 * (`switchboard start`, from dist/: run `npm run build` first) so it can be killed with SIGKILL; daemon 2
 * runs in this process on its own ARI app of the same simulator (one app per daemon, as Asterisk wants)
 * and is started once daemon 1 runs the call back, so it is daemon 1's call for sure.
 * - while daemon 1 lives, daemon 2's watch (checking every 0.5 s) leaves the agent on the call;
 * - once daemon 1 is killed, its lease lapses and daemon 2 releases the agent, not before.
 */
import { afterEach, expect, test } from "vitest";
import { CallbackStore } from "../../src/callbacks/callback-store.js";
import { configSchema } from "../../src/config/schema.js";
import { startDaemon, type Daemon } from "../../src/daemon/index.js";
import { createLogger } from "../../src/lib/logger.js";
import { CallerQueue } from "../../src/queue/index.js";
import { waitFor } from "./harness.js";
import { processRig, RIG_ENV, type ProcessRig } from "./process-rig.js";

const CARLA = "5551003";
const RECOVERY_INTERVAL = 0.5;
const logger = createLogger((process.env.TEST_LOG as "info" | undefined) ?? "silent");

let rig: ProcessRig | undefined;
let second: Daemon | undefined;
afterEach(async () => {
  await second?.stop().catch(() => undefined);
  second = undefined;
  await rig?.close();
  rig = undefined;
}, 60_000);

/** Daemon 2: the rig's config (same Redis, agents, queues, intervals) on its own app of the same simulator. */
function secondDaemon(r: ProcessRig): Promise<Daemon> {
  const config = configSchema.parse({
    ...r.config,
    http: { host: "127.0.0.1", port: 0, adminToken: { env: "RIG_ADMIN_TOKEN" } },
    asterisk: [
      {
        id: "sim-b",
        ari: { url: r.sim.ariUrl, username: "switchboard", password: { env: "RIG_ARI_PASSWORD" }, app: "switchboard-b", heartbeatInterval: 1 },
        ami: { host: r.sim.host, port: r.sim.amiPort, username: "switchboard", secret: { env: "RIG_ARI_PASSWORD" } },
      },
    ],
  });
  return startDaemon(config, { logger, env: RIG_ENV });
}

test("a second daemon's agent watch leaves a call back's agent on the call while the first daemon lives, and releases them once it is killed", async () => {
  rig = await processRig({
    config: {
      agents: [{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }],
      // generous rings and answers: a slow machine must not turn the call back into a miss
      calls: { ringTimeout: 10, announceEvery: 0, sweepInterval: 0.2, recoveryInterval: RECOVERY_INTERVAL, callbacks: { offerAfterSeconds: 0, answerTimeout: 15, acceptTimeout: 10 } },
    },
  });
  const r = rig;
  // a long conversation: nobody hangs up during the test
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 3600 });
  r.sim.control.addCustomer({ number: CARLA, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
  const first = await r.start();
  // read-only views of what the daemons share in Redis
  const queue = CallerQueue.fromConfig(r.redis, r.config);
  const store = new CallbackStore(r.redis, queue.keys.base);
  const agent = async () => (await queue.status("support")).agents.find((a) => a.agentId === "1001");
  await waitFor("the agent available", async () => (await agent())?.state === "available" && (await agent())?.device === "registered");

  const res = await fetch(`${r.url}/admin/callbacks`, {
    method: "POST",
    headers: { authorization: `Bearer ${RIG_ENV.RIG_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ queue: "support", number: CARLA }),
  });
  expect(res.status).toBe(201);
  const { callback } = (await res.json()) as { callback: { id: string } };
  await waitFor("agent and customer talking", async () => (await store.get(callback.id))?.state === "connected", 30_000);
  expect(await agent()).toMatchObject({ state: "oncall", callId: callback.id });
  const conversation = () => r.sim.control.customerCalls(CARLA)[0];
  expect(conversation()).toMatchObject({ state: "up" });

  second = await secondDaemon(r);
  // daemon 2's watch checks at start and every 0.5 s and releases at the second unexplained check: over
  // 8 intervals it has had several, and the agent must have stayed on the call at every look
  const watchedFrom = Date.now();
  await waitFor("daemon 2's watch to have checked several times", async () => {
    const a = await agent();
    if (a?.state !== "oncall" || a.callId !== callback.id) throw new Error(`daemon 2 moved the agent off the live call back: ${JSON.stringify(a)}`);
    if (conversation()?.state !== "up") throw new Error("the conversation ended");
    return Date.now() - watchedFrom >= 8 * RECOVERY_INTERVAL * 1000;
  });

  // the crash: daemon 1 renews its lease no more; the conversation stays up on the PBX
  const leasedUntil = Number(await r.redis.zscore(`${queue.keys.base}cb:live`, callback.id));
  expect(leasedUntil).toBeGreaterThan(Date.now());
  await r.end(first, "SIGKILL");
  const released = await waitFor("daemon 2 to release the agent", async () => {
    const a = await agent();
    return a?.state !== "oncall" ? { a, at: Date.now() } : undefined;
  }, 30_000);
  expect(released.a?.state).toMatch(/^(wrapup|available)$/);
  // not before the lease ran out (a daemon still renewing it would have kept the agent)
  expect(released.at).toBeGreaterThanOrEqual(leasedUntil);
}, 120_000);
