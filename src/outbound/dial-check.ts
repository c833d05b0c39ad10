import type { Callback, DialVerdict } from "../callbacks/callback-store.js";
import type { AttemptLog } from "./attempt-log.js";
import { decisionEntry } from "./attempt-log.js";
import { checkAttempt, nextAllowedAt, type AttemptInput } from "./compliance.js";
import type { AttemptKind, ComplianceConfig } from "./config.js";
import type { DncStore } from "./dnc-store.js";

const KIND: Partial<Record<Callback["source"], AttemptKind>> = { campaign: "campaign", "web-lead": "web-lead" };

/** The lead an attempt counts against: a campaign's member or web lead, else the call back itself. */
export const leadOf = (cb: Callback): string => cb.purpose?.leadId ?? cb.id;

/**
 * Every outbound attempt is checked and logged before it is placed (docs/outbound.md, "Compliance"): the
 * decision with every check goes to the attempt log whether it allows the attempt or not. An attempt the
 * clock blocks (hours, holidays, the day's cap) waits for the next window; one blocked by a final rule
 * (do-not-call, no consent, the total cap, a number that is none) is given up.
 */
export class DialCheck {
  constructor(
    private readonly deps: {
      config: ComplianceConfig;
      dnc: Pick<DncStore, "has">;
      log: Pick<AttemptLog, "appendDecision" | "leadAttempts">;
      now?: () => number;
      /** A customer's own time zone from their record, when there is one. */
      zoneOf?(cb: Callback): Promise<string | undefined>;
    },
  ) {}

  async check(cb: Callback): Promise<DialVerdict> {
    return (await this.decide(cb)).verdict;
  }

  /** The check, with the id of the decision logged (an allowed attempt's outcome goes to the log under the same id). */
  async decide(cb: Callback): Promise<{ verdict: DialVerdict; attemptId?: string }> {
    const now = this.deps.now?.() ?? Date.now();
    const input = await this.input(cb, now);
    // a call back or appointment the customer asked for is theirs: its time is the one they chose
    if (!input) return { verdict: { allowed: true } };
    const lead = leadOf(cb);
    const d = checkAttempt(input, this.deps.config);
    const attemptId = `${cb.id}:${now}`;
    await this.deps.log.appendDecision(decisionEntry({ id: attemptId, leadId: lead, ...(cb.purpose?.campaignId ? { campaign: cb.purpose.campaignId } : {}) }, input, d));
    if (d.allowed) return { verdict: { allowed: true }, attemptId };
    const reason = refusal(d);
    if (d.final) return { verdict: { allowed: false, final: true, reason }, attemptId };
    const retryAt = nextAllowedAt(input, this.deps.config);
    return { verdict: { allowed: false, reason, ...(retryAt === undefined ? { final: true } : { retryAt }) }, attemptId };
  }

  /** The same rules, nothing logged: would the attempt pass now? (A preview shows only calls that would.) */
  async peek(cb: Callback): Promise<DialVerdict> {
    const input = await this.input(cb, this.deps.now?.() ?? Date.now());
    const d = input && checkAttempt(input, this.deps.config);
    return !d || d.allowed ? { allowed: true } : { allowed: false, reason: refusal(d) };
  }

  /** What the rules decide on; none for the kinds they do not apply to. */
  private async input(cb: Callback, now: number): Promise<AttemptInput | undefined> {
    if (!KIND[cb.source]) return undefined;
    const [attempts, dnc, zone] = await Promise.all([this.deps.log.leadAttempts(leadOf(cb), now), this.deps.dnc.has(cb.number), this.deps.zoneOf?.(cb)]);
    return {
      number: cb.number,
      now,
      kind: KIND[cb.source]!,
      attempts,
      dnc,
      // agent first: the customer never waits for an agent, so no abandon figures are needed
      mode: cb.purpose?.preview ? "preview" : "progressive",
      ...(zone ? { recordZone: zone } : {}),
      ...(cb.purpose?.consent === undefined ? {} : { consent: cb.purpose.consent }),
    };
  }
}

const refusal = (d: ReturnType<typeof checkAttempt>): string =>
  d.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.rule}: ${c.detail}`)
    .join("; ");
