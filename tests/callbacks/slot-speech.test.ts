import { describe, expect, test } from "vitest";
import { spokenSlot } from "../../src/callbacks/slot-speech.js";

const BERLIN = "Europe/Berlin";
const at = (iso: string) => Date.parse(iso);

describe("how a slot is said to a caller", () => {
  const now = at("2026-12-07T10:00:00+01:00"); // a Monday

  test("today, on the 24-hour clock in the calendar's zone", () => {
    expect(spokenSlot(at("2026-12-07T15:30:00+01:00"), now, BERLIN)).toEqual({ label: "today 15:30", media: ["sound:digits/today", "sound:digits/at", "number:15", "number:30"] });
  });

  test("tomorrow on the hour: o'clock; a minute under ten: oh", () => {
    expect(spokenSlot(at("2026-12-08T09:00:00+01:00"), now, BERLIN).media).toEqual(["sound:digits/tomorrow", "sound:digits/at", "number:9", "sound:digits/oclock"]);
    expect(spokenSlot(at("2026-12-08T09:05:00+01:00"), now, BERLIN)).toEqual({ label: "tomorrow 09:05", media: ["sound:digits/tomorrow", "sound:digits/at", "number:9", "sound:digits/oh", "number:5"] });
  });

  test("later in the week by its weekday (Asterisk's digits/day-N, 0 = Sunday); a week or more ahead with the date", () => {
    expect(spokenSlot(at("2026-12-10T08:15:00+01:00"), now, BERLIN)).toEqual({ label: "Thursday 08:15", media: ["sound:digits/day-4", "sound:digits/at", "number:8", "number:15"] });
    expect(spokenSlot(at("2026-12-14T08:15:00+01:00"), now, BERLIN)).toEqual({
      label: "Monday 14 December 08:15",
      media: ["sound:digits/day-1", "number:14", "sound:digits/mon-11", "sound:digits/at", "number:8", "number:15"],
    });
  });

  test("the day is the calendar's, not the server's: late evening UTC is already tomorrow in Tokyo", () => {
    const evening = at("2026-12-07T20:00:00Z");
    expect(spokenSlot(at("2026-12-08T10:00:00+09:00"), evening, "Asia/Tokyo").label).toBe("today 10:00");
    expect(spokenSlot(at("2026-12-08T10:00:00+09:00"), evening, "UTC").label).toBe("tomorrow 01:00");
  });

  test("across the spring-forward night the local time is said, and the day count holds", () => {
    const saturday = at("2026-03-28T20:00:00+01:00");
    expect(spokenSlot(at("2026-03-29T08:30:00+02:00"), saturday, BERLIN).label).toBe("tomorrow 08:30");
    expect(spokenSlot(at("2026-03-30T08:30:00+02:00"), saturday, BERLIN).label).toBe("Monday 08:30");
  });
});
