import type { CallbackStore } from "../callbacks/callback-store.js";
import type { Logger } from "../lib/logger.js";
import { audienceNumbers, type Audience, type AudienceSource } from "../outbound/audience.js";
import type { Campaign, CampaignStore } from "../outbound/campaign.js";
import type { CallerQueue } from "../queue/index.js";
import type { CallbackRequests } from "./callback-requests.js";

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
  logger: Logger;
  now?: () => number;
}

/**
 * Runs campaigns: at start the audience is read once into the campaign's member list; then, within its
 * window, members join the campaign's queue as call backs while fewer than `maxQueued` (default: the
 * queue's staffed agents) of its call backs wait or are being dialled. Dispatch hands each to one free
 * agent, who is rung first (progressive, agent first): the dials never outnumber the free agents.
 */
export class CampaignFeeder {
  private readonly log: Logger;
  private readonly now: () => number;
  private ticking = false;

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
    await this.deps.campaigns.save(c);
    this.log.info({ campaign: id, members: c.members }, "campaign running");
    await this.tick();
    return c;
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

  /** One round over the running campaigns (the daemon calls it every few seconds); never throws. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const open = await this.deps.store.open();
      for (const c of await this.deps.campaigns.list()) {
        if (c.state !== "running") continue;
        const mine = open.filter((cb) => cb.purpose?.campaignId === c.id).length;
        await this.feed(c, mine).catch((err: unknown) => this.log.error({ err, campaign: c.id }, "campaign not fed"));
      }
    } catch (err) {
      this.log.warn({ err }, "campaigns not fed");
    } finally {
      this.ticking = false;
    }
  }

  private async feed(c: Campaign, queued: number): Promise<void> {
    const now = this.now();
    if (now >= Date.parse(c.window.to)) return this.finish(c, "its window closed");
    if (now < Date.parse(c.window.from)) return;
    const staffed = (await this.deps.queue.status(c.queue, 0)).staffedAgents;
    const room = (c.maxQueued ?? Math.max(1, staffed)) - queued;
    const members = await this.deps.campaigns.takeMembers(c.id, room);
    for (const m of members) {
      await this.deps.callbacks.create({ queue: c.queue, number: m.number, reason: c.script.title }, "campaign", {
        customerId: m.customerId,
        purpose: { kind: "campaign", title: c.script.title, ...(c.script.pitch ? { pitch: c.script.pitch } : {}), campaignId: c.id, leadId: `${c.id}:${m.customerId}` },
      });
    }
    if (members.length) {
      c.fed += members.length;
      await this.deps.campaigns.save(c);
    }
    if (queued === 0 && members.length === 0 && (await this.deps.campaigns.remaining(c.id)) === 0) await this.finish(c, "every member was called");
  }

  private async finish(c: Campaign, why: string): Promise<void> {
    c.state = "done";
    await this.deps.campaigns.save(c);
    this.log.info({ campaign: c.id, fed: c.fed, members: c.members }, `campaign done: ${why}`);
  }
}
