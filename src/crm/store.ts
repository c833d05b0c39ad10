import type { Customer, HistoryEntry } from "./customer.js";

/** Where customer records come from. Every adapter answers by caller number. */
export interface CustomerStore {
  readonly name: string;
  findByPhone(phone: string, signal?: AbortSignal): Promise<Customer | null>;
  /** Writes one call's history entry back, when the store supports it. */
  appendHistory?(customerId: string, entry: HistoryEntry): Promise<void>;
}

/**
 * Caller numbers arrive as the carrier formats them ("+1 555-1001", "5551001"): matching uses the digits
 * only, keeping a leading + so international and national forms of one number stay distinct.
 */
export function normalizePhone(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, "");
  return trimmed.startsWith("+") ? `+${digits}` : digits;
}
