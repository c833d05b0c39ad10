import type { Callback, CallbackProgress, DialVerdict } from "../callbacks/callback-store.js";
import type { Logger } from "../lib/logger.js";
import type { AttemptLog, AttemptOutcome } from "./attempt-log.js";
import type { CampaignMembers, Member } from "./campaign-members.js";
import type { DialCheck } from "./dial-check.js";
import type { LeadStatus, LeadStore } from "./lead-store.js";
import { normalizeNumber } from "./number.js";

/** The runner's attempt results, as a member's attempt and as the attempt log's outcome. */
const RESULTS = {
  accepted: { member: "answered", log: "connected" },
  busy: { member: "busy", log: "busy" },
  "no answer": { member: "no-answer", log: "no-answer" },
  "no key": { member: "no-key", log: "no-key" },
  failed: { member: "failed", log: "failed" },
} as const satisfies Record<string, { member: Member["attempts"][number]["outcome"]; log: AttemptOutcome }>;

export interface OutboundProgressDeps {
  check: Pick<DialCheck, "decide" | "peek">;
  attempts: Pick<AttemptLog, "appendOutcome">;
  members: CampaignMembers;
  /** The web leads (when configured): their status follows their call too. */
  leads?: Pick<LeadStore, "updateStatus"> | undefined;
  /** A call back's record by id (the sale names only the call). */
  callback(id: string): Promise<Callback | null>;
  /** calls.callbacks.retryDelaySeconds, in ms: when a call back without its own settings is tried again. */
  retryDelayMs: number;
  defaultCountry: string;
  logger: Logger;
  now?: () => number;
}

/**
 * Follows each outbound call back on its lead (docs/outbound.md, "Member statuses"): the campaign
 * member's status and attempts, the web lead's status, and each placed attempt's outcome in the attempt
 * log under its decision's id. Fed by the call-back runner (the check before each attempt, the agent
 * rung, every attempt's result, completed, given up) and the desk (a sale). Never throws: a failed write
 * is logged and the call goes on.
 */
export class OutboundProgress {
  /** The allowed decision of each call back's attempt in progress: its outcome is logged under the same id. */
  private readonly attemptIds = new Map<string, string>();
  /** Moves of one web lead, one after the other (the runner's hooks fire without waiting). */
  private readonly leadChains = new Map<string, Promise<void>>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: OutboundProgressDeps) {
    this.log = deps.logger.child({ component: "outbound" });
    this.now = deps.now ?? Date.now;
  }

  /** The compliance check before an attempt (the runner's `check`); what it held back or refused shows on the lead. */
  async check(cb: Callback): Promise<DialVerdict> {
    const { verdict, attemptId } = await this.deps.check.decide(cb);
    if (verdict.allowed) {
      if (attemptId) this.attemptIds.set(cb.id, attemptId);
      return verdict;
    }
    const final = verdict.final === true;
    this.member(cb, (m) => ({ ...m, status: final ? "blocked" : "held", reason: verdict.reason, ...(verdict.retryAt === undefined || final ? { retryAt: undefined } : { retryAt: verdict.retryAt }) }));
    if (final) this.lead(cb, "failed", `refused by the compliance check: ${verdict.reason}`);
    return verdict;
  }

  /** Would the check let the attempt through now (nothing logged): a preview shows only such calls. */
  peek(cb: Callback): Promise<DialVerdict> {
    return this.deps.check.peek(cb);
  }

  /** The agent is rung for the call back: the customer is about to be dialled. */
  ringing(cb: Callback): void {
    this.member(cb, (m) => ({ ...m, status: "dialing", retryAt: undefined, reason: undefined }));
    this.lead(cb, "dialing", undefined, "new");
  }

  /** A moment of the call back (the runner's `progress` hook). */
  progress(cb: Callback, outcome: CallbackProgress, result?: string): void {
    const at = this.now();
    if (outcome === "attempt") {
      const r = RESULTS[result as keyof typeof RESULTS];
      if (!r) return;
      void this.logOutcome(cb, at, r.log);
      const answered = result === "accepted";
      const retryAt = at + (cb.retry ? cb.retry.retryDelaySeconds * 1000 : this.deps.retryDelayMs);
      this.member(cb, (m) => ({ ...m, status: answered ? "connected" : "retry", attempts: [...m.attempts, { at, outcome: r.member }], reason: answered ? undefined : result, retryAt: answered ? undefined : retryAt }));
      const n = cb.attempts.filter((a) => a.outcome !== "agent no answer").length;
      this.lead(cb, answered ? "contacted" : "new", `${result} (attempt ${n})`, "dialing", answered ? undefined : retryAt);
    } else if (outcome === "completed") {
      this.attemptIds.delete(cb.id);
      this.member(cb, (m) => (m.status === "converted" ? undefined : { ...m, status: "done", retryAt: undefined, reason: undefined }));
    } else if (outcome === "skipped") {
      this.member(cb, (m) => ({ ...m, status: "skipped", retryAt: undefined, reason: result }));
    } else {
      this.attemptIds.delete(cb.id);
      this.member(cb, (m) => (m.status === "blocked" ? undefined : { ...m, status: "gave-up", retryAt: undefined, reason: result }));
      this.lead(cb, "failed", result);
    }
  }

  /** The agent marked an offer sold on an outbound call: the member and the web lead are converted. */
  async sold(callId: string, offerId: string, amount: number): Promise<void> {
    try {
      const cb = await this.deps.callback(callId);
      if (!cb?.purpose) return;
      this.member(cb, (m) => ({ ...m, status: "converted", sale: { offerId, amount: (m.sale?.amount ?? 0) + amount } }));
      this.lead(cb, "converted", `sold ${offerId}`, "contacted");
    } catch (err) {
      this.log.warn({ err, callId }, "sale not recorded on the outbound lead");
    }
  }

  private async logOutcome(cb: Callback, at: number, outcome: AttemptOutcome): Promise<void> {
    const id = this.attemptIds.get(cb.id) ?? `${cb.id}:${at}`;
    this.attemptIds.delete(cb.id);
    const parsed = normalizeNumber(cb.number, this.deps.defaultCountry);
    await this.deps.attempts
      .appendOutcome({
        type: "outcome",
        id,
        at,
        ...(cb.purpose?.campaignId ? { campaign: cb.purpose.campaignId } : {}),
        leadId: cb.purpose?.leadId ?? cb.id,
        number: parsed.ok ? parsed.e164 : cb.number,
        outcome,
      })
      .catch((err: unknown) => this.log.warn({ err, callId: cb.id }, "attempt outcome not logged"));
  }

  /** Changes the campaign member of a campaign's call back (an undefined answer leaves it). */
  private member(cb: Callback, change: (m: Member) => Member | undefined): void {
    const campaignId = cb.purpose?.kind === "campaign" ? cb.purpose.campaignId : undefined;
    if (!campaignId || !cb.customerId) return;
    const fresh: Member = { campaignId, customerId: cb.customerId, number: cb.number, callId: cb.id, status: "queued", attempts: [], updatedAt: this.now() };
    void this.deps.members
      .update(campaignId, cb.customerId, (m) => {
        const next = change(m ?? fresh);
        return next && strip({ ...next, updatedAt: this.now() });
      })
      .catch((err: unknown) => this.log.warn({ err, callId: cb.id }, "campaign member not updated"));
  }

  /** Moves the web lead of a web lead's call back; a move its status does not allow is left (it moved on already). */
  private lead(cb: Callback, to: LeadStatus, reason?: string, expectFrom?: LeadStatus, retryAt?: number): void {
    const leadId = cb.purpose?.kind === "web-lead" ? cb.purpose.leadId : undefined;
    const leads = this.deps.leads;
    if (!leadId || !leads) return;
    const move = async () => {
      const r = await leads.updateStatus(leadId, to, { ...(reason ? { reason } : {}), ...(expectFrom ? { expectFrom } : {}), ...(retryAt === undefined ? {} : { retryAt }) });
      if (!r.ok && r.reason !== "changed" && r.reason !== "not-allowed") this.log.warn({ leadId, to, reason: r.reason }, "web lead status not updated");
    };
    const next = (this.leadChains.get(leadId) ?? Promise.resolve()).then(move).catch((err: unknown) => this.log.warn({ err, leadId }, "web lead status not updated"));
    this.leadChains.set(leadId, next);
    void next.then(() => {
      if (this.leadChains.get(leadId) === next) this.leadChains.delete(leadId);
    });
  }
}

/** The member without the optional fields set to undefined (they are dropped, not written as null). */
function strip(m: Member): Member {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Member;
}

