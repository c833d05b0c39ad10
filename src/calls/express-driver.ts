import type { ExpressConfig } from "../crm/express-config.js";
import type { EngineAction, EngineEvent, SaleTerms, StepResult } from "../ivr/engine/index.js";
import type { JobHub } from "../jobs/index.js";
import type { Logger } from "../lib/logger.js";
import { billable, consentOf, saleTerms, upgradePayload } from "./express-sale.js";
import type { CallSession } from "./session-store.js";

/**
 * The call driver's side of the express lane as a product: the terms each call starts with, the queue's
 * answer to an admission node, and the upgrade's consent and billing. Billing survives what can go
 * wrong: the consent is in the call's session (saved) before its job is published, the job hub retries
 * a receiver that is down, and a consent published again (after a restart, at the call's end) is the
 * same job, so the caller is billed once.
 */

/** What the queue answers about a lane's promise (CallerQueue.admission). */
export interface AdmissionSource {
  admission(queue: string, lane: string): Promise<{ admit: boolean; reason: string; forecastWaitMs: number | null }>;
}

export interface ExpressDriverDeps {
  config: ExpressConfig;
  /** Where billing jobs go; without it consents are kept in the session and logged, not billed. */
  jobs?: Pick<JobHub, "publish">;
  /** Without it no admission opens (nobody can say the promise will be kept). */
  queue?: AdmissionSource;
  logger: Logger;
}

type AdmissionAction = Extract<EngineAction, { type: "admission" }>;

export class ExpressDriver {
  private readonly log: Logger;
  /** Made once: every call shares the same terms object in memory (the engine never changes it). */
  private readonly sales: Record<string, SaleTerms> | undefined;

  constructor(private readonly deps: ExpressDriverDeps) {
    this.log = deps.logger.child({ component: "express" });
    this.sales = saleTerms(deps.config);
  }

  /** The terms a new call from `callerNumber` may buy on (config `express.upgrade`). */
  terms(callerNumber: string): Record<string, SaleTerms> | undefined {
    return billable(callerNumber) ? this.sales : undefined;
  }

  /** The queue's answer as the engine's event; never throws (a failure is a closed admission, saying why). */
  async admission(a: AdmissionAction): Promise<EngineEvent> {
    const queue = this.deps.queue;
    if (!queue) return { type: "admissionResult", id: a.id, admit: false, reason: "no queue to ask" };
    try {
      // the queue's reason names its forecast already ("forecast express wait 4.2 s <= 20 s target; ...")
      const r = await queue.admission(a.queue, a.lane);
      return { type: "admissionResult", id: a.id, admit: r.admit, reason: r.reason };
    } catch (err) {
      this.log.warn({ err, queue: a.queue, lane: a.lane }, "admission not answered; treated as closed");
      return { type: "admissionResult", id: a.id, admit: false, reason: `error: ${(err as Error).message}` };
    }
  }

  /**
   * The consents of a step (its purchase actions) into the session, before the step is saved or any of
   * its actions performed: the session never shows a caller past the offer without their consent in it.
   */
  keep(session: CallSession, r: StepResult, at: number): void {
    for (const a of r.actions) {
      if (a.type !== "purchase") continue;
      session.consents = [...(session.consents ?? []), consentOf(session.callId, r.state, a, at)];
      this.log.info({ callId: session.callId, product: a.product, price: a.price, currency: a.currency, digits: a.digits, promptVersion: a.promptVersion, node: a.node }, "consent recorded");
    }
  }

  /**
   * Publishes the session's consents not yet published (`again`: all of them, as after a restart, when
   * the old daemon may have published one without saving that it had). Publishing twice is one job.
   * Returns whether something was published (the session then has news to save). Never throws.
   */
  async bill(session: CallSession, opts: { again?: boolean } = {}): Promise<boolean> {
    const due = (session.consents ?? []).filter((c) => opts.again || c.publishedAt === undefined);
    if (due.length === 0) return false;
    const jobs = this.deps.jobs;
    if (!jobs) {
      this.log.error({ callId: session.callId }, "express upgrade consented but no job hub to bill it; the consent stays in the session");
      return false;
    }
    let published = false;
    for (const c of due) {
      try {
        const { id } = await jobs.publish("express-upgrade", upgradePayload(c));
        c.publishedAt ??= Date.now();
        published = true;
        this.log.info({ callId: c.callId, jobId: id, price: c.price, currency: c.currency }, "express upgrade billing job published");
      } catch (err) {
        // the consent stays unpublished in the session: the call's end, or a restart, tries again
        this.log.error({ err, callId: c.callId }, "express upgrade billing job not published; will try again");
      }
    }
    return published;
  }
}
