import { afterEach, describe, expect, it } from "vitest";
import { JobHub, type JobsConfig } from "../../src/jobs/index.js";
import { testRedis } from "../setup/redis.js";
import { WebhookServer, captureLogger, fastRetries, lead, waitFor } from "./helpers.js";

const SECRET = "whsec-admin-test-91c2";
const env = { LEADS_SECRET: SECRET };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(): Promise<WebhookServer> {
  const server = await WebhookServer.reservePort();
  await server.start();
  cleanups.push(() => server.stop());
  return server;
}

function open(redis: ReturnType<typeof testRedis>, config: Partial<JobsConfig>, opts: { deliver?: boolean } = {}) {
  const log = captureLogger();
  const hub = new JobHub({ redisUrl: redis.url, prefix: redis.prefix, logger: log.logger, env, config: { ...fastRetries, ...config }, ...opts });
  cleanups.push(() => hub.close());
  return { hub, log };
}

const leadsHook = (server: WebhookServer) => ({ leads: { url: server.url, secretEnv: "LEADS_SECRET", timeoutMs: 5000 } });

describe("failed jobs and admin operations", () => {
  it("a 400 fails the job at once; it shows in failed() and retry() delivers it once the receiver is fixed", async () => {
    const server = await startServer();
    server.respond = () => ({ status: 400, body: "unknown offer id upgrade-pro5" });
    const { hub } = open(testRedis(), { webhooks: leadsHook(server) });
    const { id } = await hub.publish("lead", lead(1));

    await waitFor("the failed job", async () => (await hub.counts()).lead.failed === 1);
    expect(server.received).toHaveLength(1); // permanent: not retried
    const [f] = await hub.failed("lead");
    expect(f).toMatchObject({ id, kind: "lead", attemptsMade: 1, payload: lead(1) });
    expect(f!.reason).toContain("answered 400: unknown offer id upgrade-pro5");
    expect(f!.reason).not.toContain("do-not-log");

    server.respond = () => ({ status: 200 });
    expect(await hub.retry(id)).toBe("retried");
    await waitFor("the retried lead", () => server.accepted().size === 1);
    await waitFor("completion", async () => (await hub.counts()).lead.completed === 1);
    expect(await hub.failed("lead")).toEqual([]);
    expect(server.accepted().get(id)).toHaveLength(1);
    expect(await hub.retry(id)).toBe("not-failed");
    expect(await hub.retry("lead-0123456789abcdef0123456789abcdef")).toBe("not-found");
    expect(await hub.retry("../../etc")).toBe("not-found");
  });

  it("a job that used up its attempts gets all of them again on retryAllFailed", async () => {
    const server = await startServer();
    server.respond = () => ({ status: 500 });
    const { hub } = open(testRedis(), { webhooks: leadsHook(server), attempts: 3 });
    for (const i of [1, 2, 3]) await hub.publish("lead", lead(i));
    await waitFor("three failed jobs", async () => (await hub.counts()).lead.failed === 3);
    expect(server.received).toHaveLength(9);
    const failed = await hub.failed("lead", { start: 0, end: 1 });
    expect(failed).toHaveLength(2);
    expect(failed.every((f) => f.attemptsMade === 3 && f.reason.includes("answered 500"))).toBe(true);

    // Still failing twice after the retry, then fixed: the job must not fail on its first new attempt.
    let calls = 0;
    server.respond = () => (++calls <= 3 ? { status: 500 } : { status: 200 });
    expect(await hub.retryAllFailed("lead")).toBe(3);
    await waitFor("three delivered", async () => (await hub.counts()).lead.completed === 3);
    expect(server.accepted().size).toBe(3);
    expect((await hub.counts()).lead.failed).toBe(0);
    expect(await hub.retryAllFailed("lead")).toBe(0);
  });

  it("close() during a delivery waits for it: nothing is lost or sent twice", async () => {
    const server = await startServer();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived = false;
    server.respond = async () => {
      arrived = true;
      await held;
      return { status: 200 };
    };
    const redis = testRedis();
    const { hub } = open(redis, { webhooks: leadsHook(server) });
    await hub.publish("lead", lead(5));
    await waitFor("the delivery to be in flight", () => arrived);

    let closed = false;
    const closing = hub.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(closed).toBe(false);
    release();
    await closing;

    const { hub: after } = open(redis, {}, { deliver: false });
    expect((await after.counts()).lead).toMatchObject({ completed: 1, active: 0, waiting: 0, delayed: 0, failed: 0 });
    expect(server.received).toHaveLength(1);
  });

  it("no webhook configured: jobs wait, one warning is logged, and they go out once a webhook is set", async () => {
    const redis = testRedis();
    const { hub, log } = open(redis, {});
    await hub.ready();
    for (const i of [1, 2, 3]) await hub.publish("lead", lead(i));
    expect((await hub.counts()).lead).toMatchObject({ status: "no-webhook", waiting: 3, failed: 0 });
    log.text();
    const warnings = log.lines.filter((l) => l.level === 40 && l.kind === "lead");
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.msg)).toContain("jobs.webhooks.leads");
    await hub.close();

    // The secret is named but not set: still waiting, with a warning naming the variable.
    const server = await startServer();
    const unset = new JobHub({ redisUrl: redis.url, prefix: redis.prefix, env: {}, config: { webhooks: leadsHook(server) } });
    cleanups.push(() => unset.close());
    expect((await unset.counts()).lead).toMatchObject({ status: "no-secret", waiting: 3 });
    await unset.close();

    const { hub: configured } = open(redis, { webhooks: leadsHook(server) });
    await waitFor("the waiting leads", () => server.accepted().size === 3);
    await waitFor("completion", async () => (await configured.counts()).lead.completed === 3);
  });

  it("the webhook secret never reaches Redis or the logs", async () => {
    const server = await startServer();
    server.respond = ({ headers }) => (headers["idempotency-key"] === lead(2).idempotencyKey ? { status: 422, body: "no" } : { status: 200 });
    const redis = testRedis();
    const { hub, log } = open(redis, { webhooks: leadsHook(server) });
    await hub.publish("lead", lead(1));
    await hub.publish("lead", lead(2));
    await waitFor("both settled", async () => {
      const c = (await hub.counts()).lead;
      return c.completed === 1 && c.failed === 1;
    });

    const client = redis.client();
    cleanups.push(async () => void client.disconnect());
    const keys = await client.keys(`${redis.prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    let dump = "";
    for (const key of keys) {
      const type = await client.type(key);
      if (type === "string") dump += await client.get(key);
      else if (type === "hash") dump += JSON.stringify(await client.hgetall(key));
      else if (type === "list") dump += JSON.stringify(await client.lrange(key, 0, -1));
      else if (type === "set") dump += JSON.stringify(await client.smembers(key));
      else if (type === "zset") dump += JSON.stringify(await client.zrange(key, "0", "-1"));
      else if (type === "stream") dump += JSON.stringify(await client.xrange(key, "-", "+"));
    }
    expect(dump).toContain(lead(1).customer.name); // the dump did read the jobs
    expect(dump).not.toContain(SECRET);
    const logs = log.text();
    expect(logs).toContain("delivered");
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain("do-not-log"); // the webhook URL's query string
  });
});
