import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from "bullmq";
import { z } from "zod";
import type { EventLog } from "../events/log.js";
import type { Logger } from "../lib/logger.js";
import { BACKOFF_TYPE, retryDelayMs } from "./backoff.js";
import { jobsConfigSchema, type JobsConfig, type WebhookConfig } from "./config.js";
import { buildDelivery, postDelivery, RetryableDeliveryError, safeUrl } from "./delivery.js";
import {
  JOB_KINDS,
  WEBHOOK_FOR,
  jobIdFor,
  kindOfJobId,
  payloadSchemas,
  type AnyPayload,
  type JobKind,
  type PayloadOf,
} from "./payloads.js";

export interface JobHubOptions {
  redisUrl: string;
  /** Redis key prefix shared with the rest of Switchboard (config `redis.keyPrefix`); jobs live under `<prefix>jobs:`. */
  prefix?: string;
  /** Parsed or raw `jobs` config section; defaults fill the gaps. */
  config?: z.input<typeof jobsConfigSchema> | JobsConfig;
  logger?: Logger;
  /** Where `secretEnv` names are looked up (process.env unless a test passes its own). */
  env?: Record<string, string | undefined>;
  /** Run delivery workers in this process (default true); false makes a publish/admin-only hub. */
  deliver?: boolean;
  /** The site's event stream: each delivery and final failure is an event for the KPIs. */
  events?: EventLog;
}

/** Why a kind is or is not being delivered by this hub. */
export type DeliveryStatus = "delivering" | "no-webhook" | "no-secret" | "not-delivering-here";

export interface KindCounts {
  status: DeliveryStatus;
  /** Ready to go, waiting for a free worker or for a webhook to be configured. */
  waiting: number;
  active: number;
  /** Waiting out a backoff before the next attempt. */
  delayed: number;
  failed: number;
  completed: number;
}

export interface FailedJob {
  id: string;
  kind: JobKind;
  reason: string;
  attemptsMade: number;
  createdAt: string;
  failedAt: string | undefined;
  payload: AnyPayload;
}

export type RetryResult = "retried" | "not-found" | "not-failed";

/** Publish rejected because the payload does not match its kind's schema. */
export class JobPayloadError extends Error {
  constructor(
    readonly kind: JobKind,
    readonly issues: z.core.$ZodIssue[],
    pretty: string,
  ) {
    super(`invalid ${kind} payload:\n${pretty}`);
    this.name = "JobPayloadError";
  }
}

interface Lane {
  queue: Queue;
  worker: Worker | undefined;
  status: DeliveryStatus;
}

/**
 * Durable hand-off of leads, sales, express-upgrade billing, express credits and history write-back to webhooks.
 * One BullMQ queue per kind, so a kind without a webhook simply accumulates jobs until one is configured
 * while the others flow; each job's id derives from its idempotency key, so publishing twice is one job.
 */
export class JobHub {
  readonly config: JobsConfig;
  private readonly lanes: Record<JobKind, Lane>;
  private readonly log: Logger | undefined;
  private readonly events: EventLog | undefined;
  private closing: Promise<void> | undefined;

  constructor(opts: JobHubOptions) {
    this.config = jobsConfigSchema.parse(opts.config ?? {});
    this.log = opts.logger?.child({ module: "jobs" });
    this.events = opts.events;
    const prefix = `${opts.prefix ?? "sb:"}jobs`;
    const env = opts.env ?? process.env;
    const deliver = opts.deliver ?? true;
    const lanes = {} as Record<JobKind, Lane>;
    for (const kind of JOB_KINDS) {
      const queue = new Queue(kind, { connection: { url: opts.redisUrl }, prefix });
      queue.on("error", (err) => this.log?.error({ kind, err: err.message }, "job queue connection error"));
      const webhook = this.config.webhooks[WEBHOOK_FOR[kind]];
      const secret = webhook ? env[webhook.secretEnv] : undefined;
      let status: DeliveryStatus;
      let worker: Worker | undefined;
      if (!deliver) status = "not-delivering-here";
      else if (!webhook) status = "no-webhook";
      else if (!secret) status = "no-secret";
      else {
        status = "delivering";
        worker = this.startWorker(kind, opts.redisUrl, prefix, webhook, secret);
      }
      this.warnIfParked(kind, status, webhook);
      lanes[kind] = { queue, worker, status };
    }
    this.lanes = lanes;
  }

  /** Resolves once every queue and worker has its Redis connection. */
  async ready(): Promise<void> {
    await Promise.all(
      JOB_KINDS.flatMap((k) => [this.lanes[k].queue.waitUntilReady(), this.lanes[k].worker?.waitUntilReady()]),
    );
  }

  /**
   * Validates and enqueues. Returns the job id (also the delivery id the receiver sees). Publishing a
   * payload whose idempotency key was already published (and is still remembered) changes nothing.
   */
  async publish<K extends JobKind>(kind: K, payload: PayloadOf<K>): Promise<{ id: string }> {
    const parsed = payloadSchemas[kind].safeParse(payload);
    if (!parsed.success) throw new JobPayloadError(kind, parsed.error.issues, z.prettifyError(parsed.error));
    const id = jobIdFor(kind, parsed.data.idempotencyKey);
    await this.lanes[kind].queue.add(kind, parsed.data, this.jobOptions(id));
    return { id };
  }

  /** Failed jobs of a kind, newest first; `start`/`end` are inclusive indexes (default the first 50). */
  async failed(kind: JobKind, range: { start?: number; end?: number } = {}): Promise<FailedJob[]> {
    const jobs = await this.lanes[kind].queue.getFailed(range.start ?? 0, range.end ?? 49);
    return jobs.filter((j): j is Job & { id: string } => j?.id !== undefined).map((j) => toFailedJob(kind, j));
  }

  /** Puts one failed job back in line with its attempts counted afresh. */
  async retry(jobId: string): Promise<RetryResult> {
    const kind = kindOfJobId(jobId);
    if (!kind) return "not-found";
    const job = await this.lanes[kind].queue.getJob(jobId);
    if (!job) return "not-found";
    if ((await job.getState()) !== "failed") return "not-failed";
    try {
      await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (err) {
      // It left the failed list between the check and the retry (retried by another admin).
      this.log?.debug({ jobId, err: (err as Error).message }, "retry raced");
      return "not-failed";
    }
    this.log?.info({ kind, jobId }, "failed job retried");
    return "retried";
  }

  /** Retries every job that is in the failed list now; returns how many went back in line. */
  async retryAllFailed(kind: JobKind): Promise<number> {
    // Snapshot first: a retried job that fails again at once must not be retried twice in one call.
    const jobs = await this.lanes[kind].queue.getFailed(0, -1);
    let n = 0;
    for (const job of jobs) {
      if (job?.id === undefined) continue;
      if ((await this.retry(job.id)) === "retried") n += 1;
    }
    return n;
  }

  async counts(): Promise<Record<JobKind, KindCounts>> {
    const entries = await Promise.all(
      JOB_KINDS.map(async (kind) => {
        const c = await this.lanes[kind].queue.getJobCounts("wait", "prioritized", "active", "delayed", "failed", "completed");
        const counts: KindCounts = {
          status: this.lanes[kind].status,
          waiting: (c.wait ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
          completed: c.completed ?? 0,
        };
        return [kind, counts] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<JobKind, KindCounts>;
  }

  /**
   * Stops taking new jobs, lets deliveries in flight finish (each is bounded by its webhook's
   * timeoutMs), then closes the connections. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(JOB_KINDS.map((k) => this.lanes[k].worker?.close()));
      await Promise.all(JOB_KINDS.map((k) => this.lanes[k].queue.close()));
    })();
    return this.closing;
  }

  private jobOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.config.attempts,
      backoff: { type: BACKOFF_TYPE, delay: this.config.backoff.delayMs },
      removeOnComplete: { age: this.config.keepCompletedSeconds },
      removeOnFail: { count: this.config.keepFailed },
    };
  }

  private startWorker(kind: JobKind, redisUrl: string, prefix: string, webhook: WebhookConfig, secret: string): Worker {
    const { attempts, backoff, concurrency } = this.config;
    const target = safeUrl(webhook.url);
    const worker = new Worker(
      kind,
      async (job: Job) => {
        const attempt = job.attemptsMade + 1;
        const data = payloadSchemas[kind].safeParse(job.data);
        if (!data.success) throw new UnrecoverableError(`stored ${kind} payload no longer valid: ${z.prettifyError(data.error)}`);
        const req = buildDelivery({ kind, deliveryId: job.id!, attempt, payload: data.data, secret, now: new Date() });
        try {
          const status = await postDelivery(webhook.url, req, webhook.timeoutMs);
          this.log?.info({ kind, jobId: job.id, attempt, status }, "delivered");
          void this.events?.append({ type: "job", at: Date.now(), kind, jobId: job.id!, outcome: "delivered", value: valueOf(data.data), queue: queueOf(data.data) });
        } catch (err) {
          const permanent = err instanceof UnrecoverableError;
          const last = permanent || attempt >= (job.opts.attempts ?? attempts);
          this.log?.[last ? "error" : "warn"](
            { kind, jobId: job.id, attempt, target, reason: (err as Error).message },
            permanent ? "delivery rejected; job failed (retry it from the admin API once fixed)" : last ? "delivery failed on its last attempt; job failed" : "delivery failed; will retry",
          );
          if (last) void this.events?.append({ type: "job", at: Date.now(), kind, jobId: job.id!, outcome: "failed", value: valueOf(data.data), queue: queueOf(data.data) });
          throw err;
        }
      },
      {
        connection: { url: redisUrl, maxRetriesPerRequest: null },
        prefix,
        concurrency,
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
            retryDelayMs(attemptsMade, backoff, err instanceof RetryableDeliveryError ? err.retryAfterMs : undefined),
        },
      },
    );
    worker.on("error", (err) => this.log?.error({ kind, err: err.message }, "job worker error"));
    return worker;
  }

  private warnIfParked(kind: JobKind, status: DeliveryStatus, webhook: WebhookConfig | undefined): void {
    if (status === "no-webhook") {
      this.log?.warn(
        { kind, webhook: WEBHOOK_FOR[kind] },
        `no webhook configured at jobs.webhooks.${WEBHOOK_FOR[kind]}: ${kind} jobs are kept waiting, not delivered, until one is`,
      );
    } else if (status === "no-secret" && webhook) {
      this.log?.warn(
        { kind, secretEnv: webhook.secretEnv },
        `environment variable ${webhook.secretEnv} (HMAC secret for jobs.webhooks.${WEBHOOK_FOR[kind]}) is not set: ${kind} jobs are kept waiting, not delivered`,
      );
    }
  }
}

function toFailedJob(kind: JobKind, j: Job & { id: string }): FailedJob {
  return {
    id: j.id,
    kind,
    reason: j.failedReason ?? "",
    attemptsMade: j.attemptsMade,
    createdAt: new Date(j.timestamp).toISOString(),
    failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : undefined,
    payload: j.data as AnyPayload,
  };
}

/** The queue a job belongs to, when its payload names one (per-queue KPIs). */
const queueOf = (p: object): string | undefined => ("queue" in p && typeof p.queue === "string" ? p.queue : undefined);

/** What a job is worth for the KPIs: a sale's amount, an upgrade's price, a lead's offer value. */
function valueOf(p: object): number | undefined {
  if ("amount" in p && typeof p.amount === "number") return p.amount;
  if ("price" in p && typeof p.price === "number") return p.price;
  if ("offer" in p && p.offer && typeof p.offer === "object" && "value" in p.offer && typeof p.offer.value === "number") return p.offer.value;
  return undefined;
}
