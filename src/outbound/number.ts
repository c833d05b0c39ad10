import { parsePhoneNumberWithError, type CountryCode, type PhoneNumber } from "libphonenumber-js";

/**
 * Phone numbers for the outbound rules (pure): E.164 and country by libphonenumber-js's metadata, the
 * callee's candidate time zones by the table below. libphonenumber-js knows no zones, and a country
 * -> zones package would bring every country's list while the rules need a few well-checked ones.
 */

export type ParsedNumber =
  | { ok: true; e164: string; /** undefined for non-geographic numbers (+800...). */ country?: string; /** Digits after the country code, no trunk 0. */ national: string }
  | { ok: false; reason: string };

const REASONS: Record<string, string> = {
  NOT_A_NUMBER: "not a phone number",
  INVALID_COUNTRY: "no country code and no default country for it",
  TOO_SHORT: "too short",
  TOO_LONG: "too long",
  INVALID_LENGTH: "not a valid length",
};

const memo = new Map<string, ParsedNumber>();
const MEMO_SIZE = 10_000;

/**
 * The number in E.164 ("+4930123456"); national formats ("030 123456") are read as `defaultCountry`'s.
 * Remembers the last few thousand answers: parsing costs ~20 µs and one attempt asks twice (the
 * do-not-call lookup, then the check). Treat the result as read-only.
 */
export function normalizeNumber(raw: string, defaultCountry: string): ParsedNumber {
  const key = `${defaultCountry}|${raw}`;
  let parsed = memo.get(key);
  if (parsed === undefined) {
    parsed = parseNumber(raw, defaultCountry);
    if (memo.size >= MEMO_SIZE) memo.clear();
    memo.set(key, parsed);
  }
  return parsed;
}

function parseNumber(raw: string, defaultCountry: string): ParsedNumber {
  const text = raw.trim();
  if (text === "") return { ok: false, reason: "empty" };
  if (text.length > 64) return { ok: false, reason: "too long" };
  let p: PhoneNumber;
  try {
    p = parsePhoneNumberWithError(text, defaultCountry as CountryCode);
  } catch (err) {
    const code = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: REASONS[code] ?? code };
  }
  if (!p.isValid()) return { ok: false, reason: `not a valid number${p.country ? ` for ${p.country}` : ` with country code +${p.countryCallingCode}`}` };
  return { ok: true, e164: p.number, national: p.nationalNumber, ...(p.country && { country: p.country }) };
}

/**
 * The time zones of each supported country, one per distinct local clock today (zones that always read
 * the same, such as America/Detroit and America/New_York, are listed once). Regions sharing a calling
 * code that libphonenumber-js tells apart (GG, JE, IM on +44; AX on +358; SJ on +47; VA on +39) are
 * listed too. `outbound.compliance.zones` replaces or adds entries.
 */
export const COUNTRY_ZONES: Readonly<Record<string, readonly string[]>> = {
  AT: ["Europe/Vienna"],
  AU: ["Australia/Perth", "Australia/Eucla", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Australia/Lord_Howe"],
  AX: ["Europe/Mariehamn"],
  BE: ["Europe/Brussels"],
  CA: ["America/St_Johns", "America/Halifax", "America/Toronto", "America/Winnipeg", "America/Regina", "America/Edmonton", "America/Whitehorse", "America/Vancouver"],
  CH: ["Europe/Zurich"],
  DE: ["Europe/Berlin"],
  DK: ["Europe/Copenhagen"],
  ES: ["Europe/Madrid", "Atlantic/Canary"],
  FI: ["Europe/Helsinki"],
  FR: ["Europe/Paris"],
  GB: ["Europe/London"],
  GG: ["Europe/Guernsey"],
  IE: ["Europe/Dublin"],
  IM: ["Europe/Isle_of_Man"],
  IT: ["Europe/Rome"],
  JE: ["Europe/Jersey"],
  LI: ["Europe/Vaduz"],
  LU: ["Europe/Luxembourg"],
  NL: ["Europe/Amsterdam"],
  NO: ["Europe/Oslo"],
  PL: ["Europe/Warsaw"],
  PT: ["Europe/Lisbon", "Atlantic/Azores"],
  SE: ["Europe/Stockholm"],
  SJ: ["Arctic/Longyearbyen"],
  US: ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "America/Adak", "Pacific/Honolulu"],
  VA: ["Europe/Vatican"],
};

/**
 * Fixed-line prefixes of multi-zone countries whose zone is certain (national number, no trunk 0; the
 * longest match wins). Mobile and unlisted numbers stay on all of the country's zones. US and Canadian
 * area codes are left out: a record zone says it better than a long table that ages.
 */
export const PREFIX_ZONES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  // 02 NSW/ACT, 03 VIC/TAS, 07 QLD; 08 spans SA, WA and NT; Lord Howe Island is 02 6563
  AU: [["2", "Australia/Sydney"], ["26563", "Australia/Lord_Howe"], ["3", "Australia/Sydney"], ["7", "Australia/Brisbane"]],
  // Canary Islands 822/828/922/928; every other geographic 8/9 number is on peninsular time
  ES: [["8", "Europe/Madrid"], ["9", "Europe/Madrid"], ["822", "Atlantic/Canary"], ["828", "Atlantic/Canary"], ["922", "Atlantic/Canary"], ["928", "Atlantic/Canary"]],
  // Azores 292/295/296; other 2xx (mainland, Madeira) on Lisbon time
  PT: [["2", "Europe/Lisbon"], ["292", "Atlantic/Azores"], ["295", "Atlantic/Azores"], ["296", "Atlantic/Azores"]],
};

export type ZoneSource = "record" | "number" | "country-all" | "none";

export interface CalleeZones {
  /** Where the callee may be: one zone, or every zone of the country when the number does not tell. */
  zones: string[];
  /** record: the customer record's zone; number: the country or prefix has one zone; country-all: the most restrictive reading over every zone of the country; none: no zone known. */
  source: ZoneSource;
  /** Why, for the attempt log. */
  note: string;
}

/** The zones a number's callee may be in: the record's zone beats the number, the number beats nothing. */
export function calleeZones(country: string | undefined, national: string | undefined, recordZone: string | undefined, overrides: Readonly<Record<string, readonly string[]>> = {}): CalleeZones {
  if (recordZone) return { zones: [recordZone], source: "record", note: `the customer record's zone ${recordZone}` };
  if (!country) return { zones: [], source: "none", note: "the number has no country (non-geographic or invalid) and the record no zone" };
  const all = overrides[country] ?? COUNTRY_ZONES[country];
  if (!all || all.length === 0) return { zones: [], source: "none", note: `no time zone known for ${country} (add it under outbound.compliance.zones) and the record has none` };
  if (all.length === 1) return { zones: [all[0]!], source: "number", note: `${country} has one zone, ${all[0]}` };
  const byPrefix = national ? prefixZone(country, national) : undefined;
  if (byPrefix && all.includes(byPrefix)) return { zones: [byPrefix], source: "number", note: `${country} number prefix in ${byPrefix}` };
  return {
    zones: [...all],
    source: "country-all",
    note: `zone not derivable: ${country} spans ${all.length} zones and the record has none; checked in every one (most restrictive)`,
  };
}

function prefixZone(country: string, national: string): string | undefined {
  let best: readonly [string, string] | undefined;
  for (const entry of PREFIX_ZONES[country] ?? []) if (national.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  return best?.[1];
}
