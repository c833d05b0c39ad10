import { z } from "zod";
import type { SiteEvent } from "../events/schema.js";
import { campaignOfCall } from "./campaign.js";

/**
 * A campaign's KPIs from the site's event stream (pure; docs/kpis.md, "Campaigns"): the campaign's call
 * backs are `cp-<campaign>-<n>`, so every event naming such a call is the campaign's. Attempts and their
 * results, call backs given up and completed from the `callback` events; contacts (the customer put
 * through to the agent) from the queue's `answered`; sales and revenue from the desk's `offer` events;
 * the agents' time from the queue's moves of the agent who took the call: ringing and dialling from
 * `offered` to `answered` (or the place put back), talking from `answered` until the agent leaves the
 * call, wrap-up until the agent leaves wrap-up.
 */

/** Where an agent's time goes, while it is a campaign call's. */
export interface AgentTrack {
  campaign: string;
  callId: string;
  phase: "dial" | "talk" | "wrapup";
  since: number;
}

export interface TallyInput {
  agents: ReadonlyMap<string, AgentTrack>;
  /** Call ids among this batch's sales that were converted before (a second sale on a call is no second conversion). */
  converted: ReadonlySet<string>;
}

export interface TallyDelta {
  /** `<campaign>|<measure>` -> increment. */
  counters: Map<string, number>;
  /** Agents whose track changed (null: no longer on a campaign call). */
  agents: Map<string, AgentTrack | null>;
  /** Calls converted in this batch. */
  converted: Set<string>;
}

/** The measures the fold counts per campaign (the fields of the tally). */
export const TALLY_MEASURES = [
  "fed",
  "attempts",
  "attempts.accepted",
  "attempts.busy",
  "attempts.no answer",
  "attempts.no key",
  "attempts.failed",
  "contacts",
  "completed",
  "gaveUp",
  "sales",
  "conversions",
  "revenue",
  "dialMs",
  "talkMs",
  "wrapupMs",
] as const;
export type TallyMeasure = (typeof TALLY_MEASURES)[number];

export function foldCampaignEvents(events: readonly SiteEvent[], input: TallyInput): TallyDelta {
  const out: TallyDelta = { counters: new Map(), agents: new Map(), converted: new Set() };
  const add = (campaign: string, m: TallyMeasure, n: number) => {
    if (n !== 0) out.counters.set(`${campaign}|${m}`, (out.counters.get(`${campaign}|${m}`) ?? 0) + n);
  };
  const track = (agentId: string) => (out.agents.has(agentId) ? (out.agents.get(agentId) ?? undefined) : input.agents.get(agentId));
  /** The agent's time in its phase so far goes to the campaign; then the agent moves on (or off the campaign). */
  const close = (agentId: string, t: AgentTrack, at: number, next: AgentTrack | null) => {
    add(t.campaign, `${t.phase}Ms`, Math.max(0, at - t.since));
    out.agents.set(agentId, next);
  };
  for (const e of events) {
    switch (e.type) {
      case "callback": {
        const c = campaignOfCall(e.callId);
        if (!c) break;
        if (e.outcome === "accepted") add(c, "fed", 1);
        else if (e.outcome === "attempt") {
          add(c, "attempts", 1);
          const key = `attempts.${e.result ?? ""}`;
          if ((TALLY_MEASURES as readonly string[]).includes(key)) add(c, key as TallyMeasure, 1);
        } else if (e.outcome === "completed") add(c, "completed", 1);
        else if (e.outcome === "gave-up") add(c, "gaveUp", 1);
        break;
      }
      case "offered": {
        const c = campaignOfCall(e.callId);
        const t = track(e.agentId);
        if (t) close(e.agentId, t, e.at, null);
        if (c) out.agents.set(e.agentId, { campaign: c, callId: e.callId, phase: "dial", since: e.at });
        break;
      }
      case "answered": {
        const c = campaignOfCall(e.callId);
        const t = track(e.agentId);
        if (t) close(e.agentId, t, e.at, null);
        if (c) {
          add(c, "contacts", 1);
          out.agents.set(e.agentId, { campaign: c, callId: e.callId, phase: "talk", since: e.at });
        }
        break;
      }
      case "requeued":
      case "abandoned":
      case "timeout":
      case "scheduled": {
        const t = e.agentId ? track(e.agentId) : undefined;
        if (t && t.callId === e.callId && t.phase === "dial") close(e.agentId!, t, e.at, null);
        break;
      }
      case "agent": {
        const t = track(e.agentId);
        if (!t || e.from === e.to) break;
        if (t.phase === "talk" && e.from === "oncall") close(e.agentId, t, e.at, e.to === "wrapup" ? { ...t, phase: "wrapup", since: e.at } : null);
        else if (t.phase === "wrapup" && e.from === "wrapup") close(e.agentId, t, e.at, null);
        else if (t.phase === "dial" && e.from === "ringing") close(e.agentId, t, e.at, null);
        break;
      }
      case "offer": {
        const c = campaignOfCall(e.callId);
        if (!c || e.outcome !== "sold") break;
        add(c, "sales", 1);
        add(c, "revenue", e.amount ?? e.value);
        if (!input.converted.has(e.callId) && !out.converted.has(e.callId)) {
          out.converted.add(e.callId);
          add(c, "conversions", 1);
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

const count = z.number().int().min(0);
const share = z.number().nullable().describe("a share from 0 to 1; null when there is nothing to divide by yet");

/** A campaign's KPIs (the admin API's answer; docs/kpis.md defines each). */
export const campaignKpisSchema = z.object({
  leads: count.describe("members taken from the audience at start"),
  fed: count.describe("members that joined the queue as call backs so far"),
  attempts: count.describe("customer dials placed (an agent's unanswered ring is no attempt on the customer)"),
  attemptResults: z.object({ answered: count, busy: count, noAnswer: count, noKey: count, failed: count }).describe("attempts by how they went; answered: put through to the agent"),
  contacts: count.describe("customers who answered and were put through to an agent"),
  completed: count.describe("conversations over"),
  gaveUp: count.describe("members given up: attempts used up, or refused by the compliance check"),
  conversions: count.describe("contacts on which the agent marked at least one offer sold"),
  sales: count.describe("offers marked sold (a contact can have several)"),
  revenue: z.number().describe("the amounts of the offers sold, in `currency`"),
  contactRate: share.describe("contacts / attempts"),
  conversionRate: share.describe("conversions / contacts"),
  agentTime: z.object({
    dialMs: count.describe("agents held by the campaign's attempts: rung, then waiting while the customer was dialled"),
    talkMs: count.describe("agents talking with the campaign's customers"),
    wrapupMs: count.describe("agents in wrap-up after the campaign's calls"),
    costMs: count.describe("the cost in agent time: talk and wrap-up"),
  }),
  revenuePerAgentHour: z.number().nullable().describe("revenue / cost in agent hours"),
});
export type CampaignKpis = z.infer<typeof campaignKpisSchema>;

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function campaignKpis(leads: number, c: Readonly<Partial<Record<TallyMeasure, number>>>): CampaignKpis {
  const n = (m: TallyMeasure) => c[m] ?? 0;
  const costMs = n("talkMs") + n("wrapupMs");
  return {
    leads,
    fed: n("fed"),
    attempts: n("attempts"),
    attemptResults: { answered: n("attempts.accepted"), busy: n("attempts.busy"), noAnswer: n("attempts.no answer"), noKey: n("attempts.no key"), failed: n("attempts.failed") },
    contacts: n("contacts"),
    completed: n("completed"),
    gaveUp: n("gaveUp"),
    conversions: n("conversions"),
    sales: n("sales"),
    revenue: Math.round(n("revenue") * 100) / 100,
    contactRate: ratio(n("contacts"), n("attempts")),
    conversionRate: ratio(n("conversions"), n("contacts")),
    agentTime: { dialMs: n("dialMs"), talkMs: n("talkMs"), wrapupMs: n("wrapupMs"), costMs },
    revenuePerAgentHour: costMs > 0 ? Math.round((n("revenue") / (costMs / 3_600_000)) * 100) / 100 : null,
  };
}
