import { Queue, Worker, type Job } from "bullmq";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";

/**
 * The appointments' timed work as BullMQ delayed jobs in Redis (`<redis.keyPrefix>jobs:appointments:*`):
 * each booking's call (its call back joins the queue `callAheadMinutes` before the slot) and the
 * customer's reminder. Jobs survive restarts, and any daemon's worker may run one, each run by one
 * worker at a time (BullMQ's lock). A job's id is its kind, the booking id and the booking's count of
 * moves, so scheduling the same booking again is one job, and a moved booking's new jobs are new ones.
 */

export const APPOINTMENT_JOBS = ["call", "remind"] as const;
export type AppointmentJobName = (typeof APPOINTMENT_JOBS)[number];

/** The booking as it was when the job was scheduled: it runs only if the booking is still that (not cancelled, not moved). */
export const appointmentJobDataSchema = z.object({ bookingId: z.string().min(1), slotStart: z.number().int(), moves: z.number().int().min(0) }).strict();
export type AppointmentJobData = z.infer<typeof appointmentJobDataSchema>;

const QUEUE_NAME = "appointments";
/** Tries of a job whose work failed (nobody staffed to queue the call back, Redis away), 30 s apart. */
const ATTEMPTS = 20;
const RETRY_MS = 30_000;
/** A run job's id is kept this long, so scheduling it again (a retried booking) does not run it twice. */
const KEEP_DONE_S = 7 * 86_400;

export interface AppointmentScheduleOptions {
  redisUrl: string;
  /** config `redis.keyPrefix`. Default "sb:". */
  prefix?: string;
  /** Runs the jobs that come due; without it this process only schedules. */
  run?: (name: AppointmentJobName, data: AppointmentJobData) => Promise<void>;
  concurrency?: number;
  logger?: Logger;
  now?: () => number;
}

/** `call-<bookingId>-<moves>`: BullMQ's ids take no ":", which booking ids given to the API never have. */
export function appointmentJobId(name: AppointmentJobName, data: Pick<AppointmentJobData, "bookingId" | "moves">): string {
  if (data.bookingId.includes(":")) throw new Error(`booking id ${data.bookingId} has a ":": not schedulable`);
  return `${name}-${data.bookingId}-${data.moves}`;
}

/** How long close() lets a running appointment job finish before closing the worker by force. */
const CLOSE_GRACE_MS = 5_000;

export class AppointmentSchedule {
  readonly queue: Queue;
  private readonly worker: Worker | undefined;
  private readonly log: Logger | undefined;
  private readonly now: () => number;

  constructor(opts: AppointmentScheduleOptions) {
    const prefix = `${opts.prefix ?? "sb:"}jobs`;
    this.log = opts.logger?.child({ module: "appointments" });
    this.now = opts.now ?? Date.now;
    this.queue = new Queue(QUEUE_NAME, { connection: { url: opts.redisUrl }, prefix });
    this.queue.on("error", (err) => this.log?.error({ err: err.message }, "appointment job queue connection error"));
    const run = opts.run;
    if (run) {
      this.worker = new Worker(
        QUEUE_NAME,
        async (job: Job) => {
          const data = appointmentJobDataSchema.safeParse(job.data);
          if (!data.success || !(APPOINTMENT_JOBS as readonly string[]).includes(job.name)) {
            this.log?.error({ jobId: job.id, name: job.name }, "appointment job not understood: dropped");
            return;
          }
          try {
            await run(job.name as AppointmentJobName, data.data);
          } catch (err) {
            const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
            this.log?.[last ? "error" : "warn"]({ err, jobId: job.id, attempt: job.attemptsMade + 1 }, last ? "appointment job failed for good" : "appointment job failed; tried again later");
            throw err;
          }
        },
        { connection: { url: opts.redisUrl, maxRetriesPerRequest: null }, prefix, concurrency: opts.concurrency ?? 4 },
      );
      this.worker.on("error", (err) => this.log?.error({ err: err.message }, "appointment job worker error"));
    }
  }

  async ready(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.worker?.waitUntilReady()]);
  }

  /** Runs the job at `at` (ms; at once when that is past). Scheduling a job that exists changes nothing. */
  async schedule(name: AppointmentJobName, data: AppointmentJobData, at: number): Promise<void> {
    await this.queue.add(name, data, {
      jobId: appointmentJobId(name, data),
      delay: Math.max(0, Math.round(at - this.now())),
      attempts: ATTEMPTS,
      backoff: { type: "fixed", delay: RETRY_MS },
      removeOnComplete: { age: KEEP_DONE_S },
      removeOnFail: { age: KEEP_DONE_S },
    });
  }

  /** Drops the job, run or not; false when there was none or it is running now (it finds the booking changed). */
  async unschedule(name: AppointmentJobName, data: Pick<AppointmentJobData, "bookingId" | "moves">): Promise<boolean> {
    return (await this.queue.remove(appointmentJobId(name, data))) === 1;
  }

  /** The job as BullMQ holds it (its delay, its state), for the admin and the tests. */
  job(name: AppointmentJobName, data: Pick<AppointmentJobData, "bookingId" | "moves">): Promise<Job | undefined> {
    return this.queue.getJob(appointmentJobId(name, data));
  }

  /**
   * A running job may finish (at most CLOSE_GRACE_MS); then the connections are dropped: after Redis came
   * back empty or went away, BullMQ's close waits for a blocking read that never returns. A job left in
   * flight is taken up again as stalled.
   */
  async close(): Promise<void> {
    const closing = (async () => {
      await this.worker?.close();
      await this.queue.close();
    })();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([closing.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    if (closed) return;
    this.log?.warn("appointment jobs: connections dropped after the close took too long");
    // not awaited: a disconnect waits for the same read
    void Promise.allSettled([this.worker?.disconnect(), this.queue.disconnect()]);
  }
}
