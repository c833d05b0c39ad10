import type express from "express";
import type { Redis } from "ioredis";
import { CallbackStore } from "../callbacks/callback-store.js";
import type { CallbackRequests } from "../calls/callback-requests.js";
import { CampaignFeeder } from "../calls/campaign-feeder.js";
import type { Config } from "../config/schema.js";
import type { CrmLookup } from "../crm/lookup.js";
import { outboundRouter } from "../http/outbound.js";
import { webLeadsRouter } from "../http/web-leads.js";
import type { Logger } from "../lib/logger.js";
import type { OfferRules } from "../offers/load.js";
import { AttemptLog } from "../outbound/attempt-log.js";
import { AudienceIndex, AudienceStore } from "../outbound/audience-store.js";
import { CampaignStore } from "../outbound/campaign.js";
import { CampaignMembers } from "../outbound/campaign-members.js";
import { CampaignTally } from "../outbound/campaign-tally.js";
import { DialCheck } from "../outbound/dial-check.js";
import { DncStore } from "../outbound/dnc-store.js";
import { LeadStore } from "../outbound/lead-store.js";
import { OutboundProgress } from "../outbound/progress.js";
import type { CallerQueue } from "../queue/index.js";
import type { Running } from "./lifecycle.js";

export interface Compliance {
  dnc: DncStore;
  attempts: AttemptLog;
  check: DialCheck;
  /** The check as the runner asks it, and each call back's progress on its lead (member, web lead, attempt log). */
  progress: OutboundProgress;
  members: CampaignMembers;
  leads: LeadStore | undefined;
}

/** The compliance parts every outbound call needs, made before the calls start (the runner checks with them). */
export function openCompliance(config: Config, redis: Redis, queue: Pick<CallerQueue, "keys">, log: Logger): Compliance {
  const c = config.outbound.compliance;
  const base = { redis, keyPrefix: config.redis.keyPrefix, site: "main", defaultCountry: c.defaultCountry };
  const dnc = new DncStore(base);
  const attempts = new AttemptLog({ ...base, maxLen: c.log.maxLen, leadRetentionDays: c.log.leadRetentionDays });
  const check = new DialCheck({ config: c, dnc, log: attempts });
  const members = new CampaignMembers(redis, queue.keys.base);
  const web = config.outbound.webLeads;
  const leads = web ? new LeadStore({ redis, keyPrefix: config.redis.keyPrefix, config: web }) : undefined;
  const callbacks = new CallbackStore(redis, queue.keys.base);
  const progress = new OutboundProgress({
    check,
    attempts,
    members,
    leads,
    callback: (id) => callbacks.get(id),
    retryDelayMs: config.calls.callbacks.retryDelaySeconds * 1000,
    defaultCountry: c.defaultCountry,
    logger: log,
  });
  return { dnc, attempts, check, progress, members, leads };
}

export interface Outbound extends Running {
  /** The admin routes (/admin/outbound) and, when configured, the web shop's signed leads (at the root). */
  routes: Array<express.Router | [string, express.Router]>;
  campaigns: CampaignStore;
  feeder: CampaignFeeder;
  tally: CampaignTally;
  audiences: AudienceStore;
  index: AudienceIndex;
  /** An agent's disposition: "do not call" puts the number on the list. Never throws. */
  disposition(number: string, disposition: string, agentId: string): Promise<void>;
}

/**
 * What Switchboard places itself besides call backs (docs/outbound.md): web leads join their agents'
 * queue as call backs at once (speed to lead), campaigns feed an audience's members to theirs; every
 * attempt passes the compliance check first (the call-back runner asks it).
 */
export function startOutbound(deps: {
  config: Config;
  redis: Redis;
  queue: CallerQueue;
  callbacks: CallbackRequests;
  compliance: Compliance;
  adminToken: string | undefined;
  crm: CrmLookup;
  offerRules: OfferRules;
  /** Where the web shop's secret is read (outbound.webLeads.secretEnv). */
  env: NodeJS.ProcessEnv;
  log: Logger;
}): Outbound {
  const { config, redis, log } = deps;
  const out = config.outbound;
  const { members } = deps.compliance;
  const campaigns = new CampaignStore(redis, deps.queue.keys.base);
  const audiences = new AudienceStore(redis, config.redis.keyPrefix);
  const index = new AudienceIndex(redis, config.redis.keyPrefix);
  const tally = new CampaignTally(redis, deps.queue.keys.base, deps.queue.keys.events, log);
  const feeder = new CampaignFeeder({
    campaigns,
    callbacks: deps.callbacks,
    store: new CallbackStore(redis, deps.queue.keys.base),
    queue: deps.queue,
    audiences,
    source: index,
    members,
    defaultCountry: out.compliance.defaultCountry,
    tally,
    logger: log,
  });
  const timer = setInterval(() => void feeder.tick(), out.campaigns.tickSeconds * 1000);
  timer.unref();
  const routes: Array<express.Router | [string, express.Router]> = [
    [
      "/admin/outbound",
      outboundRouter({
        token: deps.adminToken,
        campaigns,
        feeder,
        members,
        tally,
        audiences,
        index,
        dnc: deps.compliance.dnc,
        attempts: deps.compliance.attempts,
        leads: deps.compliance.leads,
        currency: config.metrics.currency,
        express: config.express,
      }),
    ],
  ];
  if (out.webLeads && deps.compliance.leads) {
    const leads = out.webLeads;
    const store = deps.compliance.leads;
    routes.push(
      webLeadsRouter({
        config: leads,
        store,
        defaultCountry: out.compliance.defaultCountry,
        crm: deps.crm,
        offers: { rules: () => deps.offerRules },
        env: deps.env,
        log,
        // speed to lead: the lead joins its agents' queue now, with the cart for the pop
        accepted: async (lead) => {
          await deps.callbacks
            .create({ queue: leads.agentQueue, number: lead.phone, ...(lead.customer.name ? { name: lead.customer.name } : {}), reason: lead.kind === "abandoned-cart" ? "abandoned cart" : "asked to be called" }, "web-lead", {
              id: `wl-${lead.id}`,
              ...(lead.crmCustomerId ? { customerId: lead.crmCustomerId } : {}),
              purpose: { kind: "web-lead", title: lead.kind === "abandoned-cart" ? "Abandoned cart" : "Asked to be called", leadId: lead.id, consent: lead.consent.given, ...(lead.cart ? { cart: lead.cart } : {}) },
            })
            .catch((err: unknown) => log.error({ err, leadId: lead.id }, "web lead not queued for a call"));
        },
      }),
    );
  }
  return {
    routes,
    campaigns,
    feeder,
    tally,
    audiences,
    index,
    async disposition(number, disposition, agentId) {
      if (!out.dncDispositions.includes(disposition)) return;
      const r = await deps.compliance.dnc.add(number, { source: `disposition:${agentId}`, at: Date.now() }).catch((err: unknown) => ({ ok: false as const, reason: (err as Error).message }));
      if (r.ok) log.info({ agentId, changed: r.changed }, "number put on the do-not-call list by the agent's disposition");
      else log.warn({ agentId, reason: r.reason }, "number not put on the do-not-call list");
    },
    drain: () => clearInterval(timer),
    stop: async () => clearInterval(timer),
  };
}
