import type { CallbackStore } from "../callbacks/callback-store.js";
import type { Logger } from "../lib/logger.js";
import { audienceNumbers, type Audience, type AudienceSource } from "../outbound/audience.js";
import { campaignCallId, type Campaign, type CampaignStore } from "../outbound/campaign.js";
import type { CampaignMembers } from "../outbound/campaign-members.js";
import { normalizeNumber } from "../outbound/number.js";
import type { CallerQueue } from "../queue/index.js";
import type { CallbackRequests } from "./callback-requests.js";

/** What the call-back store takes as a number: digits, optionally a leading +. */
const DIALABLE = /^\+?[0-9]{3,20}$/;

/** How long an agent has to choose Call or Skip on a preview by default. */
const DEFAULT_PREVIEW_SECONDS = 30;

/** Members read from the audience into the campaign's list per write. */
const SNAPSHOT_BATCH = 1000;

export class CampaignError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface CampaignFeederDeps {
  campaigns: CampaignStore;
  callbacks: CallbackRequests;
  store: CallbackStore;
  queue: CallerQueue;
  audiences: { get(id: string): Promise<Audience | null> };
  source: AudienceSource;
  /** Each member's record once fed (status, attempts); without it only the list is kept. */
  members?: CampaignMembers;
  /** Country of national numbers (outbound.compliance.defaultCountry): members are dialled in E.164. */
  defaultCountry?: string;
  /** Brought up to date after each round (the campaigns' KPIs from the event stream). */
  tally?: { begin(at: number): Promise<unknown>; catchUp(): Promise<unknown> };
  logger: Logger;
  now?: () => number;
}

/**
 * Runs campaigns: at start the audience is read once into the campaign's member list; then, within its
 * window, members join the campaign's queue as call backs while fewer than `maxQueued` (default: the
 * queue's staffed agents) of its call backs wait or are being dialled. Dispatch hands each to one free
 * agent, who is rung first (progressive, agent first), or first sees the member's card and chooses to
 * call or skip (preview): the dials never outnumber the free agents.
 */
export class CampaignFeeder {
  private readonly log: Logger;
  private readonly now: () => number;
  /** The round running, and whether another was asked for meanwhile (it starts when this one ends). */
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: CampaignFeederDeps) {
    this.log = deps.logger.child({ component: "campaigns" });
    this.now = deps.now ?? Date.now;
  }

  async start(id: string): Promise<Campaign> {
    const c = await this.campaign(id);
    if (c.state === "running" || c.state === "done") throw new CampaignError(409, `campaign ${id} is ${c.state}`);
    if (c.state === "draft") {
      const audience = await this.deps.audiences.get(c.audience);
      if (!audience) throw new CampaignError(404, `no audience "${c.audience}"`);
      let batch: { customerId: string; number: string }[] = [];
      // a large audience is read once, at start: give it the export's time, not a preview's
      for await (const m of audienceNumbers(this.deps.source, audience, { timeoutMs: 600_000 })) {
        batch.push(m);
        if (batch.length >= SNAPSHOT_BATCH) c.members = await this.deps.campaigns.addMembers(id, batch.splice(0));
      }
      c.members = await this.deps.campaigns.addMembers(id, batch);
      batch = [];
    }
    c.state = "running";
    c.startedAt ??= this.now();
    // the KPIs are folded from the event stream from about now on
    await this.deps.tally?.begin(this.now());
    await this.deps.campaigns.save(c);
    this.log.info({ campaign: id, members: c.members }, "campaign running");
    await this.tick();
    // as the first round left it (members fed)
    return (await this.deps.campaigns.get(id)) ?? c;
  }

  async pause(id: string): Promise<Campaign> {
    const c = await this.campaign(id);
    if (c.state !== "running") throw new CampaignError(409, `campaign ${id} is ${c.state}, not running`);
    c.state = "paused";
    await this.deps.campaigns.save(c);
    return c;
  }

  private async campaign(id: string): Promise<Campaign> {
    const c = await this.deps.campaigns.get(id);
    if (!c) throw new CampaignError(404, `no campaign "${id}"`);
    return c;
  }

  /**
   * One round over the running campaigns (the daemon calls it every few seconds); never throws. Asked for
   * while a round runs, it resolves after a round that started afterwards (a campaign just started is fed).
   */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      do {
        this.again = false;
        await this.round();
      } while (this.again);
    };
    this.running = run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      const open = await this.deps.store.open();
      for (const c of await this.deps.campaigns.list()) {
        if (c.state !== "running") continue;
        const mine = open.filter((cb) => cb.purpose?.campaignId === c.id).length;
        await this.feed(c, mine).catch((err: unknown) => this.log.error({ err, campaign: c.id }, "campaign not fed"));
      }
      await this.deps.tally?.catchUp();
    } catch (err) {
      this.log.warn({ err }, "campaigns not fed");
    }
  }

  private async feed(c: Campaign, queued: number): Promise<void> {
    const now = this.now();
    if (now >= Date.parse(c.window.to)) return this.finish(c, "its window closed");
    if (now < Date.parse(c.window.from)) return;
    if (queued === 0 && (await this.deps.campaigns.remaining(c.id)) === 0) return this.finish(c, "every member was called");
    const staffed = (await this.deps.queue.status(c.queue, 0)).staffedAgents;
    // nobody staffed: the queue would refuse them, and members taken off the list would be lost
    if (staffed === 0) return;
    const room = (c.maxQueued ?? staffed) - queued;
    const members = await this.deps.campaigns.takeMembers(c.id, room);
    const seqs = members.length ? await this.deps.campaigns.nextSeq(c.id, members.length) : [];
    let fed = 0;
    for (const [i, m] of members.entries()) {
      try {
        if (await this.queueMember(c, m, campaignCallId(c.id, seqs[i]!))) fed++;
      } catch (err) {
        // the queue refused (full, nobody staffed any more): the rest go back to the front of the list
        await this.deps.campaigns.putBack(c.id, members.slice(i));
        this.log.warn({ err, campaign: c.id, back: members.length - i }, "campaign members not queued; they wait for the next round");
        break;
      }
    }
    if (fed) {
      c.fed += fed;
      await this.deps.campaigns.save(c);
    }
  }

  /** One member joins the campaign's queue as a call back, dialled in E.164 (true); a number that is none is blocked here (false). */
  private async queueMember(c: Campaign, m: { customerId: string; number: string }, callId: string): Promise<boolean> {
    const parsed = normalizeNumber(m.number, this.deps.defaultCountry ?? "DE");
    const digits = m.number.replace(/[\s().\/-]/g, "");
    // a number the rules cannot read still goes to the check when it can be dialled, so the attempt log has the refusal
    const number = parsed.ok ? parsed.e164 : DIALABLE.test(digits) ? digits : undefined;
    const record = (status: "queued" | "blocked", reason?: string) =>
      this.deps.members?.put({ campaignId: c.id, customerId: m.customerId, number: number ?? m.number, ...(number ? { callId } : {}), status, attempts: [], ...(reason ? { reason } : {}), updatedAt: this.now() });
    if (!number) {
      this.log.info({ campaign: c.id, customerId: m.customerId }, "campaign member not called: the record's phone is no number");
      await record("blocked", `number: "${m.number}" is not a phone number`);
      return false;
    }
    // recorded first: once queued, the call's own progress (the agent rung at once) follows it
    await record("queued");
    try {
      await this.deps.callbacks.create({ queue: c.queue, number, reason: c.script.title }, "campaign", {
        id: callId,
        customerId: m.customerId,
        purpose: {
          kind: "campaign",
          title: c.script.title,
          ...(c.script.pitch ? { pitch: c.script.pitch } : {}),
          campaignId: c.id,
          leadId: `${c.id}:${m.customerId}`,
          ...(c.pacing === "preview" ? { preview: { seconds: c.previewSeconds ?? DEFAULT_PREVIEW_SECONDS } } : {}),
        },
        ...(c.retry ? { retry: { maxAttempts: c.retry.maxAttempts, retryDelaySeconds: c.retry.delaySeconds } } : {}),
      });
    } catch (err) {
      await this.deps.members?.remove(c.id, m.customerId).catch(() => undefined);
      throw err;
    }
    return true;
  }

  private async finish(c: Campaign, why: string): Promise<void> {
    c.state = "done";
    c.doneAt = this.now();
    c.doneWhy = why;
    await this.deps.campaigns.save(c);
    this.log.info({ campaign: c.id, fed: c.fed, members: c.members }, `campaign done: ${why}`);
  }
}
