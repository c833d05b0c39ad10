import { describe, expect, it } from "vitest";
import { appointmentQueueSchema, appointmentsConfigSchema } from "../../src/callbacks/index.js";

const ok = (cfg: unknown) => appointmentQueueSchema.safeParse(cfg).success;

describe("the appointments config section", () => {
  it("fills in the defaults", () => {
    expect(appointmentQueueSchema.parse({ plannedAgents: 4 })).toEqual({
      slotMinutes: 15,
      horizonDays: 14,
      timeZone: "UTC",
      hours: {},
      plannedAgents: 4,
      agentPlan: [],
      callsPerAgentPerSlot: 1,
      expressShare: 0.1,
      expressCutoffMinutes: 60,
      callAheadMinutes: 2,
      reminderMinutes: 60,
    });
  });

  it("takes a realistic queue", () => {
    const cfg = {
      support: {
        timeZone: "Europe/Berlin",
        hours: { mon: ["08:00-12:00", "13:00-18:00"], sat: ["09:00-13:00"], sun: ["00:00-24:00"] },
        plannedAgents: 6,
        agentPlan: [{ days: ["mon"], from: "08:00", to: "10:00", agents: 10 }],
        expressShare: 0.125,
      },
    };
    expect(appointmentsConfigSchema.safeParse(cfg).success).toBe(true);
  });

  it("refuses what would make a wrong calendar", () => {
    expect(ok({ plannedAgents: 1, timeZone: "Europe/Berlinn" })).toBe(false);
    expect(ok({ plannedAgents: 1, hours: { mon: ["18:00-08:00"] } })).toBe(false);
    expect(ok({ plannedAgents: 1, hours: { mon: ["08:00-12:00", "11:00-13:00"] } })).toBe(false);
    expect(ok({ plannedAgents: 1, hours: { mon: ["8:00-12:00"] } })).toBe(false);
    expect(ok({ plannedAgents: 1, hours: { monday: ["08:00-12:00"] } })).toBe(false);
    expect(ok({ plannedAgents: 1, expressShare: 1.5 })).toBe(false);
    expect(ok({ plannedAgents: 1, expressShare: 0.1234567 })).toBe(false);
    expect(ok({ plannedAgents: 1, agentPlan: [{ days: ["mon"], from: "10:00", to: "09:00", agents: 2 }] })).toBe(false);
    expect(ok({ plannedAgents: 1.5 })).toBe(false);
    expect(ok({})).toBe(false);
    expect(appointmentsConfigSchema.safeParse({ Support: { plannedAgents: 1 } }).success).toBe(false);
  });

  it("takes the call's allowance and the reminder in minutes, fractions too (seconds in tests)", () => {
    expect(ok({ plannedAgents: 1, callAheadMinutes: 0.05, reminderMinutes: 0 })).toBe(true);
    expect(ok({ plannedAgents: 1, callAheadMinutes: -1 })).toBe(false);
    expect(ok({ plannedAgents: 1, callAheadMinutes: 0.1234567 })).toBe(false);
    expect(ok({ plannedAgents: 1, reminderMinutes: 20_000 })).toBe(false);
  });

  it("takes 24:00 as the end of a day", () => {
    expect(ok({ plannedAgents: 1, hours: { sun: ["22:00-24:00"] } })).toBe(true);
  });
});
