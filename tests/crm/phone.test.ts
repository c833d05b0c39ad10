import { describe, expect, test } from "vitest";
import { PhoneIndex } from "../../src/crm/phone-index.js";
import { normalizePhone, phonesMatch } from "../../src/crm/store.js";

describe("phone numbers", () => {
  test("normalisation keeps the digits and a leading +", () => {
    expect(normalizePhone("+1 555-1001")).toBe("+15551001");
    expect(normalizePhone(" (555) 100-1 ")).toBe("5551001");
    expect(normalizePhone("anonymous")).toBe("");
    expect(normalizePhone("+")).toBe("");
  });

  test("a number matches its forms with a national or international prefix, never a different number", () => {
    expect(phonesMatch("+15551001", "5551001")).toBe(true);
    expect(phonesMatch("0015551001", "5551001")).toBe(true);
    expect(phonesMatch("05551001", "5551001")).toBe(true);
    expect(phonesMatch("5551002", "5551001")).toBe(false);
    // two full international numbers that share the subscriber part are different callers
    expect(phonesMatch("+445551001", "+15551001")).toBe(false);
    // short numbers (extensions) only match exactly
    expect(phonesMatch("21001", "1001")).toBe(false);
    expect(phonesMatch("1001", "1001")).toBe(true);
    expect(phonesMatch("", "")).toBe(false);
  });

  test("the index prefers an exact match and refuses to guess between two customers", () => {
    const index = new PhoneIndex();
    expect(index.add("5551001", "a")).toBeUndefined();
    expect(index.add("+44 20 5551001", "b")).toEqual({ phone: "5551001", id: "a" });
    expect(index.add("+4420 5551002", "b")).toBeUndefined();
    expect(index.add("+1 212 5551002", "c")).toBeUndefined();
    expect(index.find("+1 555 1001")).toBe("a");
    expect(index.find("+4420 5551002")).toBe("b");
    // "5551002" alone could be either b or c
    expect(index.find("5551002")).toBeUndefined();
    expect(index.find("5551003")).toBeUndefined();
    expect(index.find("anonymous")).toBeUndefined();
  });
});
