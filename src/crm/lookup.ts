import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import { customerSchema, enrichCustomer, type CustomerView } from "./customer.js";
import type { ExpressConfig } from "./express-config.js";
import { normalizePhone, type CustomerStore } from "./store.js";

/** A view is the record plus derived facts: the record's own fields must still be valid. */
const customerViewSchema = z.custom<CustomerView>((v) => customerSchema.loose().safeParse(v).success, "not a customer record");

/** What a lookup found; plain JSON, so a call's outcome can be kept in Redis and survive a restart. */
export const lookupOutcomeSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("found"), customer: customerViewSchema }),
  z.object({ status: z.literal("not-found") }),
  z.object({ status: z.literal("error"), error: z.string() }),
]);
export type LookupOutcome = z.infer<typeof lookupOutcomeSchema>;

/**
 * Customer lookups for live calls. Never throws and never takes longer than `timeoutMs`: a hung or failing
 * store gives an "error" outcome, which the tree's onError path handles. The lookup for a call starts when
 * the call arrives (`prefetch`) and its result is shared by the tree's lookup node and the screen-pop.
 */
export class CrmLookup {
  private readonly pending = new Map<string, Promise<LookupOutcome>>();

  constructor(
    private readonly store: CustomerStore,
    /** `express`: the entitlement rule (config `express`); without it only the stored flag counts. */
    private readonly opts: { timeoutMs: number; logger: Logger; now?: () => Date; express?: Pick<ExpressConfig, "timeZone" | "tiers"> },
  ) {}

  async lookup(phone: string): Promise<LookupOutcome> {
    // Withheld numbers ("anonymous", "") cannot name anyone: no store is asked.
    if (normalizePhone(String(phone ?? "")) === "") return { status: "not-found" };
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<LookupOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error("lookup timed out"));
        resolve({ status: "error", error: `${this.store.name} CRM timed out after ${this.opts.timeoutMs} ms` });
      }, this.opts.timeoutMs);
    });
    // Promise.resolve().then also turns a store that throws synchronously into a rejected promise.
    const found = Promise.resolve()
      .then(() => this.store.findByPhone(phone, controller.signal))
      .then((c): LookupOutcome => (c ? { status: "found", customer: enrichCustomer(c, this.opts.now?.() ?? new Date(), this.opts.express) } : { status: "not-found" }))
      .catch((err: unknown): LookupOutcome => ({ status: "error", error: `${this.store.name} CRM: ${err instanceof Error ? err.message : String(err)}` }));
    const outcome = await Promise.race([found, timeout]);
    clearTimeout(timer);
    if (outcome.status === "error") this.opts.logger.warn({ store: this.store.name, error: outcome.error }, "customer lookup failed");
    return outcome;
  }

  /** Starts (or joins) the lookup for a call; the IVR's lookup node and the screen-pop share its result. */
  prefetch(callId: string, phone: string): Promise<LookupOutcome> {
    let p = this.pending.get(callId);
    if (!p) {
      p = this.lookup(phone);
      this.pending.set(callId, p);
    }
    return p;
  }

  /** The call's outcome as an earlier daemon had it (restart recovery): the store is not asked again. */
  restore(callId: string, outcome: LookupOutcome): void {
    this.pending.set(callId, Promise.resolve(outcome));
  }

  /** The call's lookup, if one was started. */
  get(callId: string): Promise<LookupOutcome> | undefined {
    return this.pending.get(callId);
  }

  /** Drops the call's result (call ended); a later prefetch asks the store again. */
  forget(callId: string): void {
    this.pending.delete(callId);
  }
}
