import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response, type Router } from "express";
import type { CustomerView } from "../crm/customer.js";
import type { CrmLookup } from "../crm/lookup.js";
import { addressKey } from "../cti/client-address.js";
import type { Logger } from "../lib/logger.js";
import type { OfferRules } from "../offers/load.js";
import type { RankedOffer } from "../offers/ranked.js";
import { fittingOffers, scoreLead, type LeadScore } from "../outbound/lead-score.js";
import type { Lead, LeadStore } from "../outbound/lead-store.js";
import { checkSignature, SIGNATURE_HEADER, webLeadSecrets } from "../outbound/web-auth.js";
import type { WebLeadsConfig } from "../outbound/web-config.js";
import { parseWebLead, type WebLead } from "../outbound/web-lead.js";

/**
 * `POST /api/web/leads`: the web shop's abandoned carts and "call me" requests (docs/outbound-web-leads.md).
 * Server to server, so no CORS and no cookies: the HMAC signature over the raw body is the only credential.
 * Order of the checks: rate (cheap, before reading), content type, size (while reading), signature and
 * time, JSON, fields, eventId; only then the CRM and the offers, so an unsigned flood costs no lookups.
 */

export const WEB_LEADS_PATH = "/api/web/leads";
/** The furthest ahead a preferred time may be: further is more likely a typo in the year than a plan. */
const MAX_PREFERRED_AHEAD_MS = 30 * 86_400_000;

export interface WebLeadsDeps {
  config: WebLeadsConfig;
  store: LeadStore;
  /** Reads national numbers ("030 123456"): `outbound.compliance.defaultCountry`. */
  defaultCountry: string;
  /** The CRM by phone (crm/lookup: never throws, bounded by its timeout); without it every lead is an unknown customer. */
  crm?: Pick<CrmLookup, "lookup">;
  offers?: {
    /** The rules in force (they may be reloaded); undefined: no offers count. */
    rules: () => OfferRules | undefined;
    limit?: number;
    /** Presentations within each offer's cap window (offers/caps OfferCaps.used), so a capped offer does not count. */
    capsUsed?: (customerId: string, offerIds: string[], rules: OfferRules) => Promise<Record<string, number>>;
  };
  log: Logger;
  /** A new lead that may be dialled: the daemon puts it in its agents' queue (speed to lead). Never throws. */
  accepted?(lead: Lead): Promise<void>;
  /** Where `secretEnv` is read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Epoch ms. */
  clock?: () => number;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const refuse = (status: number, error: string, extra: Record<string, unknown> = {}): Answer => ({ status, body: { error, ...extra } });

export function webLeadsRouter(deps: WebLeadsDeps): Router {
  const intake = new WebLeadIntake(deps);
  const buckets = new TokenBuckets(deps.config.rateLimit.perMinute, deps.config.rateLimit.burst, deps.clock ?? Date.now);
  const rateLimit: RequestHandler = (req, res, next) => {
    const waitMs = buckets.take(addressKey(req.ip));
    if (waitMs === 0) return next();
    deps.log.debug({ ip: addressKey(req.ip) }, "web lead refused: rate limit");
    res.set("Retry-After", String(Math.ceil(waitMs / 1000))).status(429).json({ error: "too many requests: slow down" });
  };
  const jsonOnly: RequestHandler = (req, res, next) => {
    // null: no body at all, which the signature check answers
    if (req.is("application/json") !== false) return next();
    res.status(415).json({ error: "Content-Type must be application/json" });
  };
  // the exact bytes: the signature is over them, not over a re-serialised object
  const rawBody = express.raw({ type: () => true, limit: deps.config.maxBodyBytes, inflate: false });
  const accept = async (req: Request, res: Response): Promise<void> => {
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const answer = await intake.handle(raw, req.get(SIGNATURE_HEADER), addressKey(req.ip));
    if (answer.headers) res.set(answer.headers);
    res.status(answer.status).json(answer.body);
  };
  const router = express.Router();
  router.post(WEB_LEADS_PATH, rateLimit, jsonOnly, rawBody, accept, answerErrors(deps.log));
  return router;
}

/** One request's way from raw bytes to an answer, once the body is read. */
class WebLeadIntake {
  private readonly clock: () => number;
  private warnedNoSecret = false;

  constructor(private readonly deps: WebLeadsDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async handle(raw: Buffer, signature: string | undefined, ip: string): Promise<Answer> {
    const { deps } = this;
    const secrets = webLeadSecrets(deps.config, deps.env);
    if (secrets.length === 0) {
      if (!this.warnedNoSecret) deps.log.warn({ env: deps.config.secretEnv }, `web leads refused: environment variable ${deps.config.secretEnv} is not set`);
      this.warnedNoSecret = true;
      return { ...refuse(503, "web leads are not accepted yet: no secret configured on this server"), headers: { "Retry-After": "300" } };
    }
    const auth = checkSignature(raw, signature, secrets, Math.floor(this.clock() / 1000), deps.config.toleranceSeconds);
    if (!auth.ok) {
      deps.log.info({ ip, reason: auth.reason }, "web lead refused: signature");
      return refuse(401, auth.message);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return refuse(400, "request body must be JSON");
    }
    const parsed = parseWebLead(body, deps.defaultCountry);
    if (!parsed.ok) {
      const first = parsed.problems[0]!;
      deps.log.info({ ip, field: first.field }, "web lead refused: invalid body");
      return refuse(400, first.message, { field: first.field, problems: parsed.problems });
    }
    const { lead } = parsed;
    if (lead.preferredTime !== undefined && Date.parse(lead.preferredTime) > this.clock() + MAX_PREFERRED_AHEAD_MS) {
      return refuse(400, '"preferredTime" is more than 30 days ahead', { field: "preferredTime" });
    }
    // a retry is answered from the store, without asking the CRM again
    const known = await deps.store.getByEvent(lead.eventId);
    if (known) return this.answered(known, known.digest === parsed.digest ? "duplicate" : "conflict");
    const { score, offers, customer } = await this.rate(lead, parsed.phone);
    const created = await deps.store.create({ lead, phone: parsed.phone, digest: parsed.digest, queue: deps.config.queue, score, offers, ...(customer && { crmCustomerId: customer.id }) });
    if (created.outcome === "created") {
      const l = created.lead;
      deps.log.info({ leadId: l.id, eventId: l.eventId, kind: l.kind, score: l.score, dialable: l.dialable, queue: l.queue }, "web lead accepted");
      if (l.dialable) await deps.accepted?.(l);
    }
    return this.answered(created.lead, created.outcome);
  }

  private answered(lead: Lead, outcome: "created" | "duplicate" | "conflict"): Answer {
    const view = { leadId: lead.id, score: lead.score, dialable: lead.dialable };
    if (outcome === "created") return { status: 202, body: view };
    if (outcome === "duplicate") return { status: 200, body: { ...view, duplicate: true } };
    this.deps.log.info({ leadId: lead.id, eventId: lead.eventId }, "web lead refused: eventId reused for a different event");
    return refuse(409, `eventId "${lead.eventId}" was already used for a different event: give every event its own eventId`, { leadId: lead.id });
  }

  /** Score with what can be known; a CRM or offers failure lowers the score, it never loses the lead. */
  private async rate(lead: WebLead, phone: string): Promise<{ score: LeadScore; offers: RankedOffer[]; customer: CustomerView | undefined }> {
    const { deps } = this;
    let customer: CustomerView | undefined;
    let offers: RankedOffer[] = [];
    try {
      const found = deps.crm ? await deps.crm.lookup(phone) : undefined;
      customer = found?.status === "found" ? found.customer : undefined;
      const rules = customer ? deps.offers?.rules() : undefined;
      if (customer && rules) {
        const caps = deps.offers?.capsUsed ? await deps.offers.capsUsed(customer.id, rules.offers.map((o) => o.rule.id), rules) : {};
        offers = fittingOffers(rules, customer, { kind: lead.kind, phone, ...(lead.cart && { cart: lead.cart }) }, { capsUsed: caps, limit: deps.offers?.limit ?? 3 });
      }
    } catch (err) {
      deps.log.warn({ err, eventId: lead.eventId }, "web lead scored without customer or offers");
    }
    const score = scoreLead({ kind: lead.kind, ...(lead.cart && { cartValue: lead.cart.value }), ...(customer && { customer }), offers }, { fullValue: deps.config.fullValue });
    return { score, offers, customer };
  }
}

/** What reading the body or the handler threw, as JSON: a fixed sentence per kind, never a stack or the error's text. */
function answerErrors(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: unknown; type?: unknown };
    const status = typeof e.status === "number" && e.status >= 400 && e.status < 500 ? e.status : 500;
    if (res.headersSent) return void res.destroy();
    if (status === 413) return void res.status(413).json({ error: "request body too large" });
    if (status === 500) {
      log.error({ err }, "web lead failed");
      return void res.status(500).json({ error: "internal error" });
    }
    log.debug({ status, type: e.type }, "web lead refused while reading the body");
    res.status(status).json({ error: e.type === "request.aborted" ? "request aborted" : "the request body could not be read" });
  };
}

/**
 * Requests per client address, in this daemon: `burst` at once, refilled at `perMinute`. In memory is
 * enough for one shop's servers; behind several daemons each counts its own share.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly clock: () => number,
  ) {}

  /** 0 when a token was taken, else the ms until one is there. */
  take(key: string): number {
    const now = this.clock();
    const perMs = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
    const wait = b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / perMs);
    if (wait === 0) b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.sweep(now, perMs);
    return wait;
  }

  /** Full buckets are the same as none: dropped, so a scan of addresses cannot grow the map without end. */
  private sweep(now: number, perMs: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * perMs >= this.burst) this.buckets.delete(key);
  }
}
