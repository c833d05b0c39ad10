import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort } from "../../src/lib/net.js";
import { CallerQueue } from "../../src/queue/index.js";
import { LANES } from "./helpers.js";

/**
 * The scripts on a real three-node Redis Cluster (the suite's shared Redis is a single server, so this
 * test starts its own nodes). Each site's keys carry its hash tag, so every script runs on the node that
 * owns the site's slot and touches only local keys; Redis refuses a script that reaches a key on another
 * node, which the control case shows.
 */

const nodes: { port: number; child: ChildProcess }[] = [];
let dir = "";
let cluster: Cluster;
const RANGES = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
] as const;
const nodeOf = (slot: number) => RANGES.findIndex(([lo, hi]) => slot >= lo && slot <= hi);

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cluster test setup: ${what} did not happen within 5 s`);
}

/**
 * ioredis prints "[ioredis] Unhandled error event" on the console for a connection error that no listener
 * takes; every client here listens, and the last test checks that nothing was printed.
 */
const consoleErrors = vi.spyOn(console, "error");
const unhandled = () => consoleErrors.mock.calls.map((c) => c.map(String).join(" ")).filter((line) => line.includes("[ioredis]"));
/** Connection errors during set-up are expected (a node not listening yet) and retried; later ones are kept. */
const clientErrors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sb-queue-cluster-"));
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  // the admin clients exist before the nodes do, as on a loaded machine where redis-server takes a while
  // to listen: their first connection attempts are refused, whatever the machine's speed
  const admins = ports.map((port) => new Redis(port, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 }));
  for (const a of admins) a.on("error", () => undefined);
  for (const a of admins) await a.ping().catch(() => undefined);
  for (const port of ports) {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-announce-ip", "127.0.0.1"];
    args.push("--cluster-config-file", path.join(dir, `nodes-${port}.conf`), "--save", "", "--appendonly", "no", "--dir", dir);
    nodes.push({ port, child: spawn("redis-server", args, { stdio: "ignore" }) });
  }
  try {
    for (const a of admins) await until("node start", async () => (await a.ping()) === "PONG");
    for (const [i, a] of admins.entries()) await a.call("CLUSTER", "ADDSLOTSRANGE", String(RANGES[i]![0]), String(RANGES[i]![1]));
    for (const n of nodes.slice(1)) await admins[0]!.call("CLUSTER", "MEET", "127.0.0.1", String(n.port));
    for (const a of admins) await until("cluster_state:ok", async () => String(await a.call("CLUSTER", "INFO")).includes("cluster_state:ok"));
    // every node must know every slot before a client can route
    for (const a of admins) await until("slot map", async () => ((await a.call("CLUSTER", "SLOTS")) as unknown[]).length === 3);
  } finally {
    for (const a of admins) a.disconnect();
  }
  cluster = new Cluster(
    nodes.map((n) => ({ host: "127.0.0.1", port: n.port })),
    { clusterRetryStrategy: () => null },
  );
  cluster.on("error", (err: Error) => clientErrors.push(err.message));
});

afterAll(async () => {
  consoleErrors.mockRestore();
  await cluster?.quit();
  await Promise.all(
    nodes.map(
      (n) =>
        new Promise<void>((resolve) => {
          if (n.child.exitCode !== null) return resolve();
          n.child.once("exit", () => resolve());
          n.child.kill("SIGTERM");
        }),
    ),
  );
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("on Redis Cluster", () => {
  it("runs every operation of several sites, each on the node owning its slot", async () => {
    // one site per node, so routing by the site's slot is exercised on every node
    const siteOnNode = new Map<number, string>();
    for (let i = 0; siteOnNode.size < 3 && i < 1000; i++) {
      const site = `site${i}`;
      const node = nodeOf((await cluster.call("CLUSTER", "KEYSLOT", `{${site}}`)) as number);
      if (!siteOnNode.has(node)) siteOnNode.set(node, site);
    }
    expect(siteOnNode.size).toBe(3);
    for (const site of siteOnNode.values()) {
      let t = 1_700_000_000_000;
      const cq = new CallerQueue({
        redis: cluster,
        site,
        clock: { now: () => t },
        lanes: LANES,
        queues: { support: { site, lanes: ["express", "standard"], wrapUp: 5 }, billing: { site, lanes: ["standard"] } },
      });
      await cq.registerAgent({ agentId: "a1", endpoint: "PJSIP/1001", skills: { tech: 2 }, queues: ["support", "billing"] });
      await cq.agentState("a1", { to: "available" });
      await cq.deviceState("PJSIP/1001", "registered");
      expect(await cq.enqueue({ callId: "c1", queue: "billing", lane: "standard", skills: ["tech"], maxWait: 60 })).toMatchObject({ position: 1 });
      expect(await cq.enqueue({ callId: "c2", queue: "support", lane: "express" })).toMatchObject({ position: 1 });
      expect(await cq.position("c1")).toMatchObject({ state: "waiting", position: 1 });
      expect(await cq.dispatch(["support", "billing"])).toMatchObject({ callId: "c2", agentId: "a1" });
      await cq.requeue("c2");
      expect(await cq.dispatch(["billing", "support"])).toMatchObject({ callId: "c2" });
      await cq.answered("c2", "a1");
      await cq.agentState("a1", { to: "wrapup" });
      t += 5000;
      expect(await cq.dispatch("billing")).toMatchObject({ callId: "c1" });
      expect(await cq.abandon("c1")).toMatchObject({ agentId: "a1" });
      expect(await cq.expire("billing")).toEqual([]);
      expect((await cq.status("support")).agents[0]).toMatchObject({ state: "available" });
      await cq.agentState("a1", { to: "offline" });
      expect(await cq.removeAgent("a1")).toBe(true);
      expect((await cq.events()).map((e) => e.type)).toContain("answered");
    }
  });

  it("has Redis refuse a script that reaches a key on another node (the control case)", async () => {
    cluster.defineCommand("sbqCrossSlotProbe", { numberOfKeys: 1, lua: "return redis.call('GET', ARGV[1])" });
    const probe = (cluster as unknown as { sbqCrossSlotProbe(k: string, other: string): Promise<unknown> }).sbqCrossSlotProbe.bind(cluster);
    // find a key whose slot lives on a different node than {main}
    const mainNode = nodeOf((await cluster.call("CLUSTER", "KEYSLOT", "{main}")) as number);
    let other = "";
    for (let i = 0; !other; i++) {
      const slot = (await cluster.call("CLUSTER", "KEYSLOT", `k${i}`)) as number;
      if (nodeOf(slot) !== mainNode) other = `k${i}`;
    }
    await expect(probe("sb:{main}:events", other)).rejects.toThrow(/non local key|slot/i);
  });

  it("leaves no ioredis error unhandled: set-up's refused connections are taken, the cluster client reports none", () => {
    expect(unhandled()).toEqual([]);
    expect(clientErrors).toEqual([]);
  });
});
