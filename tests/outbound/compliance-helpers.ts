import { complianceConfigSchema, type ComplianceConfig, type ComplianceConfigInput } from "../../src/outbound/config.js";
import type { AttemptInput } from "../../src/outbound/compliance.js";

/** The compliance config with its defaults, changed where a test says. */
export function config(over: ComplianceConfigInput = {}): ComplianceConfig {
  return complianceConfigSchema.parse(over);
}

/** Instant of an ISO time with an explicit offset or Z: "2026-03-30T06:00:00Z". */
export const at = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad time ${iso}`);
  return t;
};

/** A Berlin number, a Monday at 10:00 local, a campaign call with nothing against it. */
export function input(over: Partial<AttemptInput> = {}): AttemptInput {
  return {
    number: "+49 30 1234567",
    now: at("2026-03-30T08:00:00Z"),
    kind: "campaign",
    attempts: { total: 0, recent: [] },
    abandon: { connected: 1000, abandoned: 0 },
    dnc: false,
    ...over,
  };
}

export const BERLIN = "+49 30 1234567";
export const NEW_YORK = "+1 212 555 0123";
export const US_MOBILE_UNKNOWN = "+1 415 555 2671";
