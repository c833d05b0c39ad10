import { describe, expect, it } from "vitest";
import { parseRetryAfter, retryDelayMs } from "../../src/jobs/backoff.js";
import { buildDelivery, safeUrl, verdictFor } from "../../src/jobs/delivery.js";
import { jobsConfigSchema, jobIdFor, payloadSchemas, signBody, verifySignature } from "../../src/jobs/index.js";
import { kindOfJobId } from "../../src/jobs/payloads.js";
import { lead } from "./helpers.js";

describe("signature", () => {
  const body = JSON.stringify({ delivery: "lead-1", data: { name: "Zoë" } });

  it("verifies what it signed and nothing else", () => {
    const header = signBody(body, "s3cret");
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(body, header, "s3cret")).toBe(true);
    expect(verifySignature(Buffer.from(body), header, "s3cret")).toBe(true);
    expect(verifySignature(body.replace("Zoë", "Zoe"), header, "s3cret")).toBe(false);
    expect(verifySignature(body, header, "other")).toBe(false);
    expect(verifySignature(body, header.toUpperCase(), "s3cret")).toBe(false);
    expect(verifySignature(body, header.slice(0, -1), "s3cret")).toBe(false);
    expect(verifySignature(body, undefined, "s3cret")).toBe(false);
    expect(verifySignature(body, header, "")).toBe(false);
  });

  it("a delivery's signature covers its body, timestamp included", () => {
    const req = buildDelivery({ kind: "lead", deliveryId: "lead-x", attempt: 2, payload: lead(1), secret: "k", now: new Date("2026-03-02T10:00:00Z") });
    expect(verifySignature(req.body, req.headers["x-switchboard-signature"], "k")).toBe(true);
    const body = JSON.parse(req.body) as { sentAt: string; attempt: number; delivery: string };
    expect(body).toMatchObject({ sentAt: "2026-03-02T10:00:00.000Z", attempt: 2, delivery: "lead-x" });
    expect(req.headers["x-switchboard-timestamp"]).toBe(String(Date.parse(body.sentAt) / 1000));
    expect(req.headers["idempotency-key"]).toBe(lead(1).idempotencyKey);
    expect(JSON.stringify(req)).not.toContain('"k"');
  });
});

describe("retry policy", () => {
  it("doubles from delayMs and never exceeds maxDelayMs", () => {
    const b = { delayMs: 1000, maxDelayMs: 300_000 };
    expect([1, 2, 3, 4, 9, 10, 11, 12, 50].map((n) => retryDelayMs(n, b))).toEqual([
      1000, 2000, 4000, 8000, 256_000, 300_000, 300_000, 300_000, 300_000,
    ]);
    expect(retryDelayMs(1, b, 60_000)).toBe(60_000);
    expect(retryDelayMs(1, b, 86_400_000)).toBe(300_000);
  });

  it("reads Retry-After as seconds or a date", () => {
    const now = Date.parse("2026-03-02T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Mon, 02 Mar 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("gives up only on 4xx other than 408 and 429", () => {
    expect([200, 201, 204].map(verdictFor)).toEqual(["delivered", "delivered", "delivered"]);
    expect([400, 401, 403, 404, 410, 422].map(verdictFor)).toEqual(Array(6).fill("permanent"));
    expect([408, 429, 500, 502, 503, 301, 302].map(verdictFor)).toEqual(Array(7).fill("retry"));
  });
});

describe("ids, payloads, config", () => {
  it("derives one job id per kind and idempotency key", () => {
    const a = jobIdFor("lead", "call-1:offer-a");
    expect(jobIdFor("lead", "call-1:offer-a")).toBe(a);
    expect(jobIdFor("lead", "call-1:offer-b")).not.toBe(a);
    expect(jobIdFor("sale", "call-1:offer-a")).not.toBe(a);
    expect(a).not.toContain(":");
    expect(kindOfJobId(a)).toBe("lead");
    expect(kindOfJobId(jobIdFor("express-upgrade", "x"))).toBe("express-upgrade");
    expect(kindOfJobId("lead-123")).toBeUndefined();
  });

  it("rejects payloads that would be useless to the receiver", () => {
    expect(payloadSchemas.lead.safeParse(lead(1)).success).toBe(true);
    expect(payloadSchemas.lead.safeParse({ ...lead(1), idempotencyKey: "" }).success).toBe(false);
    expect(payloadSchemas.lead.safeParse({ ...lead(1), occurredAt: "yesterday" }).success).toBe(false);
    expect(payloadSchemas.sale.safeParse({ ...lead(1), amount: 249 }).success).toBe(false); // no currency
    expect(payloadSchemas.sale.safeParse({ ...lead(1), amount: 249, currency: "EUR" }).success).toBe(true);
    expect(
      payloadSchemas["express-upgrade"].safeParse({
        idempotencyKey: "c1:express",
        occurredAt: "2026-03-02T10:00:00Z",
        callId: "c1",
        customer: { phone: "+4930999" },
        price: 1.99,
        currency: "EUR",
        consent: { digits: "9", promptVersion: "v1", tree: "main", node: "offer-express" },
      }).success,
    ).toBe(true);
    // the consent names the wording the caller heard
    expect(
      payloadSchemas["express-upgrade"].safeParse({
        idempotencyKey: "c1",
        occurredAt: "2026-03-02T10:00:00Z",
        callId: "c1",
        customer: { phone: "+4930999" },
        price: 1.99,
        currency: "EUR",
        consent: { digits: "1" },
      }).success,
    ).toBe(false);
    expect(
      payloadSchemas.history.safeParse({
        idempotencyKey: "c1:history",
        occurredAt: "2026-03-02T10:00:00Z",
        customerId: "C-1",
        entry: { at: "2026-03-02T10:00:00Z", disposition: "resolved", offers: [{ offer: "upgrade-pro5", outcome: "sold", amount: 249 }] },
      }).success,
    ).toBe(true);
  });

  it("fills defaults and keeps secrets out of the file", () => {
    const c = jobsConfigSchema.parse({});
    expect(c).toMatchObject({ attempts: 12, backoff: { delayMs: 1000, maxDelayMs: 300_000 }, concurrency: 4, keepFailed: 1000 });
    expect(jobsConfigSchema.safeParse({ webhooks: { leads: { url: "https://crm.example/hook", secretEnv: "LEADS_SECRET" } } }).success).toBe(true);
    expect(jobsConfigSchema.safeParse({ webhooks: { leads: { url: "https://crm.example/hook", secret: "plain" } } }).success).toBe(false);
    expect(jobsConfigSchema.safeParse({ backoff: { delayMs: 5000, maxDelayMs: 1000 } }).success).toBe(false);
    expect(safeUrl("https://crm.example/hook?token=abc")).toBe("https://crm.example/hook");
  });
});
