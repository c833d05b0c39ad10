import { describe, expect, it } from "vitest";
import { checkAttempt } from "../../src/outbound/compliance.js";
import { DncStore, parseNumberCsv } from "../../src/outbound/dnc-store.js";
import { redisPerFile } from "../setup/redis.js";
import { config, input } from "./compliance-helpers.js";

const { env, redis } = redisPerFile();
let n = 0;
const store = () => new DncStore({ redis: redis(), keyPrefix: `${env.prefix}${++n}:`, site: "main", defaultCountry: "DE" });
const WHY = { source: "import:test.csv", at: 1_700_000_000_000 };

describe("parseNumberCsv", () => {
  it("reads the named column, skips blanks, comments and the header, keeps line numbers", () => {
    const csv = '\uFEFFname;Rufnummer;country\r\n"Meyer; Anna";"030 1234567";DE\r\n\r\n# from the shop\r\nSmith;(212) 555-0123;us\r\n';
    expect(parseNumberCsv(csv)).toEqual([
      { line: 2, value: "030 1234567", country: "DE" },
      { line: 5, value: "(212) 555-0123", country: "US" },
    ]);
  });

  it("takes the first column without a header, and quoted fields with doubled quotes", () => {
    expect(parseNumberCsv('+4930111111,x\n"+49 30 222222",""""\n')).toEqual([
      { line: 1, value: "+4930111111" },
      { line: 2, value: "+49 30 222222" },
    ]);
    expect(parseNumberCsv("+4930111111\n+4930222222")).toHaveLength(2);
  });
});

describe("DncStore", () => {
  it("imports a CSV, reporting bad lines with their numbers and reasons", async () => {
    const dnc = store();
    const csv = [
      "phone,note",
      "+49 30 1234567,ok",
      "030 1234567,same number in national format",
      "0049 40 7654321,ok",
      "call me maybe,words",
      "+49 1,too short",
      ",empty",
      "+1 212 555 0123,ok",
      "",
      "+358 1234,invalid for FI",
    ].join("\n");
    const r = await dnc.import(csv, WHY);
    expect(r).toEqual({
      rows: 8,
      added: 3,
      already: 1,
      invalid: [
        { line: 5, value: "call me maybe", reason: "not a phone number" },
        { line: 6, value: "+49 1", reason: "too short" },
        { line: 7, value: "", reason: "empty" },
        { line: 10, value: "+358 1234", reason: expect.stringMatching(/not a valid number/) },
      ],
    });
    expect(await dnc.size()).toBe(3);
    expect(await redis().smembers(dnc.key)).toEqual(expect.arrayContaining(["+49301234567", "+49407654321", "+12125550123"]));
    expect(await dnc.has("+49 (30) 123 45 67")).toBe(true);
    expect(await dnc.why("030 1234567")).toEqual(WHY);
    // again: nothing new
    expect(await dnc.import(csv, WHY)).toMatchObject({ added: 0, already: 4 });
  });

  it("imports in chunks: a large list counts right", async () => {
    const dnc = store();
    const rows = Array.from({ length: 2_500 }, (_, i) => `+4930${String(1_000_000 + i)}`);
    expect(await dnc.import(rows.join("\n"), WHY)).toEqual({ rows: 2_500, added: 2_500, already: 0, invalid: [] });
    expect(await dnc.size()).toBe(2_500);
  });

  it("adds a number from a disposition, checks it in any format, and the attempt is blocked", async () => {
    const dnc = store();
    expect(await dnc.has("+49 30 1234567")).toBe(false);
    expect(await dnc.add("030 1234567", { source: "disposition:agent-7", at: 1 })).toEqual({ ok: true, e164: "+49301234567", changed: true });
    expect(await dnc.add("+49301234567", { source: "admin:alice", at: 2 })).toEqual({ ok: true, e164: "+49301234567", changed: false });
    expect(await dnc.why("+49301234567")).toEqual({ source: "disposition:agent-7", at: 1 });
    const listed = await dnc.has("0049 30 1234567");
    expect(listed).toBe(true);
    expect(checkAttempt(input({ number: "030 1234567", dnc: listed }), config())).toMatchObject({ allowed: false, blockedBy: ["dnc"] });
  });

  it("removes a number, and refuses to add what is no number", async () => {
    const dnc = store();
    await dnc.add("+49 30 1234567", WHY);
    expect(await dnc.remove("030 1234567")).toEqual({ ok: true, e164: "+49301234567", changed: true });
    expect(await dnc.remove("030 1234567")).toEqual({ ok: true, e164: "+49301234567", changed: false });
    expect(await dnc.has("+49 30 1234567")).toBe(false);
    expect(await dnc.why("+49 30 1234567")).toBeUndefined();
    expect(await dnc.add("nope", WHY)).toEqual({ ok: false, reason: "not a phone number" });
    expect(await dnc.has("nope")).toBe(false);
  });

  it("keeps its keys under the site's hash tag", () => {
    const dnc = new DncStore({ redis: redis(), keyPrefix: "sb:", site: "north", defaultCountry: "DE" });
    expect([dnc.key, dnc.whyKey]).toEqual(["sb:{north}:dnc", "sb:{north}:dnc:why"]);
    expect(() => new DncStore({ redis: redis(), keyPrefix: "sb:{x}", site: "north", defaultCountry: "DE" })).toThrow(/braces/);
    expect(() => new DncStore({ redis: redis(), keyPrefix: "sb:", site: "North", defaultCountry: "DE" })).toThrow(/invalid site/);
  });
});
