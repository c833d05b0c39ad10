import { afterEach, describe, expect, it } from "vitest";
import { JobHub, verifySignature, type DeliveryBody } from "../../src/jobs/index.js";
import { testRedis } from "../setup/redis.js";
import { WebhookServer, captureLogger, fastRetries, lead, waitFor } from "./helpers.js";

const SECRET = "whsec-delivery-test-7f3a";
const env = { LEADS_SECRET: SECRET, SALES_SECRET: SECRET };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { concurrency?: number; timeoutMs?: number; startServer?: boolean } = {}) {
  const redis = testRedis();
  const server = await WebhookServer.reservePort();
  if (opts.startServer ?? true) await server.start();
  cleanups.push(() => server.stop());
  const log = captureLogger();
  const hub = new JobHub({
    redisUrl: redis.url,
    prefix: redis.prefix,
    logger: log.logger,
    env,
    config: {
      ...fastRetries,
      concurrency: opts.concurrency ?? 4,
      webhooks: {
        leads: { url: server.url, secretEnv: "LEADS_SECRET", timeoutMs: opts.timeoutMs ?? 5000 },
        sales: { url: server.url, secretEnv: "SALES_SECRET" },
      },
    },
  });
  cleanups.push(() => hub.close());
  await hub.ready();
  return { hub, server, log };
}

describe("webhook delivery", () => {
  it("POSTs the lead as signed JSON with delivery id, timestamp and idempotency key", async () => {
    const { hub, server } = await setup();
    const { id } = await hub.publish("lead", lead(1));
    await waitFor("the lead", () => server.accepted().size === 1);

    const r = server.received[0]!;
    expect(verifySignature(r.raw, r.headers["x-switchboard-signature"] as string, SECRET)).toBe(true);
    expect(verifySignature(r.raw, r.headers["x-switchboard-signature"] as string, "wrong-secret")).toBe(false);
    const body = JSON.parse(r.raw) as DeliveryBody;
    expect(body).toMatchObject({ delivery: id, kind: "lead", attempt: 1, data: lead(1) });
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["x-switchboard-delivery"]).toBe(id);
    expect(r.headers["x-switchboard-event"]).toBe("lead");
    expect(r.headers["idempotency-key"]).toBe(lead(1).idempotencyKey);
    expect(Number(r.headers["x-switchboard-timestamp"])).toBe(Date.parse(body.sentAt) / 1000);
    await waitFor("completed count", async () => (await hub.counts()).lead.completed === 1);
  });

  it("publishing the same lead twice (double click, retried request) delivers it once", async () => {
    const { hub, server } = await setup({ concurrency: 1 });
    const [a, b] = await Promise.all([hub.publish("lead", lead(7)), hub.publish("lead", lead(7))]);
    expect(a.id).toBe(b.id);
    await waitFor("the lead", async () => (await hub.counts()).lead.completed === 1);
    // Again after it was delivered, with edited notes: still the same job, not a new one.
    expect((await hub.publish("lead", lead(7, { notes: "clicked again" }))).id).toBe(a.id);
    // A different lead behind it on the single worker: once it arrives, anything queued before it has run.
    await hub.publish("lead", lead(8));
    await waitFor("the second lead", () => server.accepted().size === 2);
    expect(server.received.map((r) => r.headers["idempotency-key"])).toEqual([lead(7).idempotencyKey, lead(8).idempotencyKey]);
    expect((await hub.counts()).lead).toMatchObject({ completed: 2, waiting: 0, delayed: 0, failed: 0 });
  });

  it("webhook down for a while, then up: every one of 20 leads arrives exactly once", async () => {
    const { hub, server, log } = await setup({ startServer: false });
    const N = 20;
    const ids = new Set<string>();
    for (let i = 0; i < N; i++) ids.add((await hub.publish("lead", lead(i))).id);
    expect(ids.size).toBe(N);

    // Phase 1: nothing listens on the port; every lead fails at least twice with a refused connection.
    await waitFor("two refused attempts per lead", () => {
      log.text();
      const failures = new Map<string, number>();
      for (const l of log.lines) if (l.msg === "delivery failed; will retry") failures.set(String(l.jobId), (failures.get(String(l.jobId)) ?? 0) + 1);
      return [...ids].every((id) => (failures.get(id) ?? 0) >= 2);
    });
    expect(server.received).toHaveLength(0);

    // Phase 2: the receiver is up but answers 503 until it has turned every lead away once.
    const refused = new Set<string>();
    server.respond = ({ headers }) => {
      const id = String(headers["x-switchboard-delivery"]);
      if (refused.size < N) {
        refused.add(id);
        return { status: 503, body: "maintenance" };
      }
      return { status: 200 };
    };
    await server.start();

    // Phase 3: it accepts; every lead arrives, each exactly once, and nothing comes after.
    await waitFor("all leads delivered", async () => (await hub.counts()).lead.completed === N, 25_000);
    const accepted = server.accepted();
    expect([...accepted.keys()].sort()).toEqual([...ids].sort());
    for (const [id, got] of accepted) expect(got, `deliveries of ${id}`).toHaveLength(1);
    for (const r of server.received) expect(verifySignature(r.raw, r.headers["x-switchboard-signature"] as string, SECRET)).toBe(true);
    for (const id of ids) {
      const last = server.received.filter((r) => r.headers["x-switchboard-delivery"] === id).at(-1)!;
      expect(last.status, `last request for ${id} was the accepted one`).toBe(200);
    }
    expect((await hub.counts()).lead).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: N });
  });

  it("408, 429 and timeouts are retried; the receiver sees the attempt number", async () => {
    const { hub, server } = await setup({ timeoutMs: 300 });
    const seen = new Map<string, number>();
    server.respond = ({ headers }) => {
      const key = String(headers["idempotency-key"]);
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (key === lead(1).idempotencyKey && n === 1) return { status: 429, headers: { "retry-after": "0" } };
      if (key === lead(2).idempotencyKey && n === 1) return { status: 408 };
      if (key === lead(3).idempotencyKey && n === 1) return "hang";
      return { status: 204 };
    };
    for (const i of [1, 2, 3]) await hub.publish("lead", lead(i));
    await waitFor("three leads", async () => (await hub.counts()).lead.completed === 3);
    const ok = [...server.accepted().values()].map((rs) => rs.map((r) => r.headers["x-switchboard-attempt"]));
    expect(ok).toEqual([["2"], ["2"], ["2"]]);
    expect((await hub.counts()).lead.failed).toBe(0);
  });

  it("a sale goes to the sales webhook with amount and currency", async () => {
    const { hub, server } = await setup();
    const sale = { ...lead(3), amount: 199.5, currency: "EUR" };
    await hub.publish("sale", sale);
    await waitFor("the sale", () => server.accepted().size === 1);
    const r = server.received[0]!;
    expect(r.headers["x-switchboard-event"]).toBe("sale");
    expect((JSON.parse(r.raw) as DeliveryBody).data).toEqual(sale);
    await expect(hub.publish("sale", lead(4) as never)).rejects.toThrow(/invalid sale payload/);
  });
});
