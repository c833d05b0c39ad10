import type { Customer } from "../../crm/customer.js";
import { encodeHistory, type AudienceDictionary } from "./codec.js";

/**
 * Where an audience run reads customers from: the Redis index (audience-store.ts) or a list in memory
 * (a customers file, tests). Records are the customer's JSON without history; histories are coded lines
 * (codec.ts) with the source's dictionary.
 */
export interface AudienceItem {
  id: string;
  /** Coded lines, newest first; null without calls. */
  history: string | null;
  /** The record's JSON: given in "customers" scans, read with records() in "history" scans. */
  record?: string | null;
}

export interface AudienceSource {
  dictionary(): Promise<AudienceDictionary>;
  /**
   * Batches of customers: "history" visits customers with calls (records left out), only those with a
   * call at or after `calledSince` (ms) when given; "customers" visits every customer with a record
   * (histories included). A customer may come twice (Redis HSCAN); the run skips repeats.
   */
  scan(mode: "history" | "customers", batchSize: number, calledSince?: number): AsyncIterable<AudienceItem[]>;
  /** Records by id, null for none. */
  records(ids: readonly string[]): Promise<Array<string | null>>;
}

/** A source over customers in memory (a customers file, a test's data), coded as the Redis index codes them. */
export class MemoryAudienceSource implements AudienceSource {
  private readonly texts: string[] = [""];
  private readonly codes = new Map<string, number>();
  private readonly byId = new Map<string, { record: string; history: string | null; newest: number }>();

  constructor(customers: readonly Customer[] = []) {
    for (const c of customers) this.add(c);
  }

  add(customer: Customer): void {
    const { history, ...record } = customer;
    const lines = encodeHistory(history, (t) => this.codeOf(t));
    const newest = Math.max(...history.map((h) => Date.parse(h.at)).filter(Number.isFinite));
    this.byId.set(customer.id, { record: JSON.stringify(record), history: lines === "" ? null : lines, newest });
  }

  private codeOf(text: string): number {
    let code = this.codes.get(text);
    if (code === undefined) {
      code = this.texts.push(text) - 1;
      this.codes.set(text, code);
    }
    return code;
  }

  async dictionary(): Promise<AudienceDictionary> {
    return { texts: [...this.texts], codes: new Map(this.codes) };
  }

  async *scan(mode: "history" | "customers", batchSize: number, calledSince = -Infinity): AsyncIterable<AudienceItem[]> {
    let batch: AudienceItem[] = [];
    for (const [id, c] of this.byId) {
      if (mode === "history" && (c.history === null || c.newest < calledSince)) continue;
      batch.push(mode === "history" ? { id, history: c.history } : { id, history: c.history, record: c.record });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  async records(ids: readonly string[]): Promise<Array<string | null>> {
    return ids.map((id) => this.byId.get(id)?.record ?? null);
  }
}
