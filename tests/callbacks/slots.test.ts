import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppointmentCalendar, type AppointmentQueueInput } from "../../src/callbacks/index.js";
import { DAY, HOUR, MIN, everyDay, localTime } from "./helpers.js";

const calendar = (timeZone: string, extra: Partial<AppointmentQueueInput> = {}) =>
  new AppointmentCalendar({ timeZone, hours: everyDay("00:00-24:00"), plannedAgents: 10, ...extra });

/** The slots of the local day `day` (YYYY-MM-DD) in the calendar's zone. */
const slotsOn = (cal: AppointmentCalendar, day: string) => cal.daySlots(Date.parse(`${day}T00:00:00Z`));

/** Slots follow one another without gap or overlap. */
function expectContiguous(slots: { start: number; end: number }[]): void {
  slots.slice(1).forEach((s, i) => expect(s.start).toBe(slots[i]!.end));
}

describe("slots in local wall time", () => {
  it("has 24 hours' worth of slots on an ordinary day, starting at local midnight", () => {
    const slots = slotsOn(calendar("Europe/Berlin"), "2026-06-10");
    expect(slots).toHaveLength(96);
    expect(slots[0]!.start).toBe(Date.UTC(2026, 5, 9, 22));
    expect(slots.at(-1)!.end - slots[0]!.start).toBe(24 * HOUR);
    expectContiguous(slots);
  });

  it("has 23 hours' worth on the last Sunday of March in Europe/Berlin: 02:00-02:59 does not exist", () => {
    const slots = slotsOn(calendar("Europe/Berlin"), "2026-03-29");
    expect(slots).toHaveLength(92);
    expect(slots.map((s) => s.time)).not.toContain("02:00");
    expect(slots.map((s) => s.time).slice(6, 10)).toEqual(["01:30", "01:45", "03:00", "03:15"]);
    expect(slots.at(-1)!.end - slots[0]!.start).toBe(23 * HOUR);
    expectContiguous(slots);
    expect(slots.find((s) => s.time === "01:45")!.offsetMinutes).toBe(60);
    expect(slots.find((s) => s.time === "03:00")!.offsetMinutes).toBe(120);
    expect(new Date(slots.find((s) => s.time === "03:00")!.start).toISOString()).toBe("2026-03-29T01:00:00.000Z");
  });

  it("has 25 hours' worth on the last Sunday of October in Europe/Berlin: 02:00-02:59 twice", () => {
    const slots = slotsOn(calendar("Europe/Berlin"), "2026-10-25");
    expect(slots).toHaveLength(100);
    const twos = slots.filter((s) => s.time.startsWith("02:"));
    expect(twos.map((s) => `${s.time}${s.offsetMinutes === 120 ? "+2" : "+1"}`)).toEqual([
      "02:00+2", "02:15+2", "02:30+2", "02:45+2", "02:00+1", "02:15+1", "02:30+1", "02:45+1",
    ]);
    expect(twos[4]!.start - twos[0]!.start).toBe(HOUR);
    expect(slots.at(-1)!.end - slots[0]!.start).toBe(25 * HOUR);
    expectContiguous(slots);
  });

  it("keeps office hours at their wall time across the change (08:00 is 07:00Z in winter, 06:00Z in summer)", () => {
    const cal = calendar("Europe/Berlin", { hours: everyDay("08:00-18:00") });
    for (const [day, utcHour] of [["2026-03-28", 7], ["2026-03-29", 6], ["2026-10-24", 6], ["2026-10-25", 7]] as const) {
      const slots = slotsOn(cal, day);
      expect(slots).toHaveLength(40);
      expect(new Date(slots[0]!.start).getUTCHours()).toBe(utcHour);
      expect(slots[0]!.time).toBe("08:00");
      expect(slots.at(-1)!.time).toBe("17:45");
    }
  });

  it("skips and repeats only the hours the clocks do, in opening hours across the night", () => {
    const cal = calendar("Europe/Berlin", { hours: everyDay("01:00-04:00") });
    expect(slotsOn(cal, "2026-03-29").map((s) => s.time)).toEqual(["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45"]);
    expect(slotsOn(cal, "2026-10-25")).toHaveLength(16);
  });

  it("follows America/New_York's own dates (second Sunday of March, first of November)", () => {
    const cal = calendar("America/New_York");
    expect(slotsOn(cal, "2026-03-08")).toHaveLength(92);
    expect(slotsOn(cal, "2026-03-29")).toHaveLength(96);
    expect(slotsOn(cal, "2026-11-01")).toHaveLength(100);
    expect(slotsOn(cal, "2026-10-25")).toHaveLength(96);
  });

  it("handles half-hour offsets and half-hour DST shifts (Asia/Kolkata, Australia/Lord_Howe)", () => {
    const kolkata = slotsOn(calendar("Asia/Kolkata"), "2026-03-29");
    expect(kolkata).toHaveLength(96);
    expect(new Date(kolkata[0]!.start).toISOString()).toBe("2026-03-28T18:30:00.000Z");
    // Lord Howe: 02:00 -> 01:30 on the first Sunday of April, 02:00 -> 02:30 on the first of October
    expect(slotsOn(calendar("Australia/Lord_Howe"), "2026-04-05")).toHaveLength(98);
    expect(slotsOn(calendar("Australia/Lord_Howe"), "2026-10-04")).toHaveLength(94);
  });

  it("leaves out a slot that would overlap the one before where the clocks shift by less than a slot", () => {
    // 60-minute slots from 00:45; 01:45 happens twice, 30 minutes apart: the second would overlap the first
    const slots = slotsOn(calendar("Australia/Lord_Howe", { slotMinutes: 60, hours: everyDay("00:45-05:45") }), "2026-04-05");
    expect(slots.map((s) => s.time)).toEqual(["00:45", "01:45", "02:45", "03:45", "04:45"]);
    slots.slice(1).forEach((s, i) => expect(s.start).toBeGreaterThanOrEqual(slots[i]!.end));
  });

  it("finds a slot by its start, and no slot at a time that is not one", () => {
    const cal = calendar("Europe/Berlin", { hours: everyDay("08:00-18:00") });
    const slot = slotsOn(cal, "2026-10-25")[3]!;
    expect(cal.slotAt(slot.start)).toEqual(slot);
    expect(cal.slotAt(slot.start + MIN)).toBeUndefined();
    expect(cal.slotAt(Date.UTC(2026, 9, 25, 3))).toBeUndefined(); // 04:00 local: closed
  });

  it("matches Intl's wall time for every slot in many zones and days (and misses none)", () => {
    const zones = ["Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe", "Australia/Sydney", "Asia/Kathmandu", "Pacific/Chatham", "UTC", "Europe/London"];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 4 * 365 }),
        fc.constantFrom(5, 10, 15, 30),
        fc.constantFrom(["00:00-24:00"], ["00:30-03:30", "08:00-12:00"], ["01:00-04:00", "22:00-24:00"]),
        (timeZone, dayIndex, slotMinutes, ranges) => {
          const day = Date.UTC(2026, 0, 1) + dayIndex * DAY;
          const cal = calendar(timeZone, { slotMinutes, hours: everyDay(...ranges) });
          const slots = cal.daySlots(day);
          const iso = new Date(day).toISOString().slice(0, 10);
          // brute force: every 5 minutes' instant around the day, by its local wall time (zones' offsets
          // are whole quarter hours, so slot starts on a 5-minute wall grid are 5-minute instants)
          const byWall = new Map<string, number[]>();
          for (let t = day - 15 * HOUR; t < day + 39 * HOUR; t += 5 * MIN) {
            const w = localTime(t, timeZone);
            byWall.set(w, [...(byWall.get(w) ?? []), t]);
          }
          const expected: number[] = [];
          for (const r of ranges) {
            const [from, to] = r.split("-").map((x) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3)));
            for (let m = from!; m + slotMinutes <= to!; m += slotMinutes) {
              const hhmm = `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
              expected.push(...(byWall.get(`${iso} ${hhmm}`) ?? []));
            }
          }
          expect(slots.map((s) => s.start)).toEqual(expected.sort((a, b) => a - b));
          for (const s of slots) expect(localTime(s.start, timeZone)).toBe(`${s.day} ${s.time}`);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe("capacity from staffing", () => {
  it("takes planned agents x calls per agent, rounded down, with later agentPlan entries winning", () => {
    const cal = calendar("Europe/Berlin", {
      hours: everyDay("08:00-12:00"),
      plannedAgents: 3,
      callsPerAgentPerSlot: 1.5,
      agentPlan: [
        { days: ["mon", "tue"], from: "09:00", to: "11:00", agents: 5 },
        { days: ["mon"], from: "10:00", to: "10:30", agents: 0 },
      ],
    });
    const cap = (day: string, time: string) => slotsOn(cal, day).find((s) => s.time === time)!.capacity;
    expect(cap("2026-06-08", "08:45")).toBe(4); // Monday: 3 x 1.5
    expect(cap("2026-06-08", "09:00")).toBe(7); // 5 x 1.5
    expect(cap("2026-06-08", "10:15")).toBe(0);
    expect(cap("2026-06-08", "10:30")).toBe(7);
    expect(cap("2026-06-08", "11:00")).toBe(4);
    expect(cap("2026-06-10", "10:15")).toBe(4); // Wednesday: no override
  });

  it("books customers within the horizon: today and the next horizonDays - 1 local days", () => {
    const cal = calendar("Europe/Berlin", { horizonDays: 2, hours: everyDay("08:00-10:00") });
    const now = Date.UTC(2026, 9, 24, 7, 10); // 09:10 local
    const slots = cal.bookable(now);
    expect(slots[0]!.time).toBe("09:15");
    expect(new Set(slots.map((s) => s.day))).toEqual(new Set(["2026-10-24", "2026-10-25"]));
    expect(cal.closedReason(cal.daySlots(Date.UTC(2026, 9, 26))[0]!, now)).toBe("beyond-horizon");
    expect(cal.closedReason(slots[0]!, slots[0]!.start)).toBe("started");
  });
});
