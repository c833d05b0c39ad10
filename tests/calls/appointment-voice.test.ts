/**
 * An appointment booked by voice, end to end: the PBX simulator over real ARI/AMI sockets, a real
 * redis-server, the shipped trees (main.yaml's support queue offers call backs; callback.yaml offers an
 * appointment on key 3) and the admin API over real HTTP. A caller waiting while the only agent is busy
 * asks for a call back, chooses an appointment, hears the next free slots with their keys and presses 2:
 * the slot read out with key 2 is the one booked, on the caller's number. Every wait is for a condition.
 */
import { afterEach, describe, expect, test } from "vitest";
import { spokenSlot } from "../../src/callbacks/slot-speech.js";
import { hashPassword } from "../../src/cti/password.js";
import type { Daemon } from "../../src/daemon/index.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { ADMIN, daemon, setup, stopAll, supportCaller, waitFor } from "./harness.js";

const MIN = 60_000;
const CARLA = "5551003";
const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
}, 60_000);

const everyDay = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["00:00-24:00"]]));

/** Asks for a call back, then for an appointment, and picks the second slot once all are read out. */
const booksAnAppointment = (caller: string) =>
  supportCaller(caller, {
    prompts: [
      ...supportCaller(caller).prompts,
      { prompt: "sound:switchboard/callback-keep-place", after: 0.1, press: "5" },
      { prompt: "sound:switchboard/callback-confirm", after: 0.1, press: "3" },
      { prompt: "digits:3", after: 0.1, press: "2" },
    ],
  });

async function rig(appointments: Record<string, unknown>) {
  const passwordHash = await hashPassword("alex-password", { N: 1024, r: 8, p: 1 });
  const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash }], { callbacks: { offerAfterSeconds: 0 } }, { appointments, cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } } });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const d = await daemon(s, { TEST_SESSION_SECRET: SECRET });
  const desk = await AgentClient.login(d.url, "1001");
  clients.push(desk);
  desk.send({ type: "state", id: "avail", state: "available" });
  await desk.next("ok", (m) => m.id === "avail");
  // the only agent is on another call: the caller waits and is offered a call back
  s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
  await waitFor("the agent's phone in use", async () => (await d.queue.status("support")).agents.some((a) => a.device === "in_use"));
  return { s, d };
}

const slots = async (d: Daemon, from: number) => {
  const r = await fetch(`${d.url}/admin/appointments/slots?queue=support&from=${from}&to=${from + 24 * 60 * MIN}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { slots: Array<{ start: number; booked: { standard: number; express: number } }> }).slots;
};

describe("an appointment booked by voice", () => {
  test("the caller hears the next free slots with their keys, presses 2, and the slot read with key 2 is booked on their number", async () => {
    const { s, d } = await rig({ support: { timeZone: "UTC", hours: everyDay, plannedAgents: 1, expressShare: 0, horizonDays: 2 } });
    const before = Date.now();
    const { channelId } = s.sim.control.placeCall(booksAnAppointment(CARLA));
    const ended = await s.sim.control.waitForEnd(channelId);
    const heard = ended.heard.map((h) => h.uri);
    expect(heard).toContain("sound:switchboard/appointment-booked");

    const booked = (await slots(d, before)).filter((x) => x.booked.standard + x.booked.express > 0);
    expect(booked).toHaveLength(1);
    const slot = booked[0]!;
    expect(slot.start).toBeGreaterThan(before);
    // what the caller heard before key 2 is this slot's time, in the calendar's zone
    const said = spokenSlot(slot.start, slot.start - 1, "UTC").media.slice(1);
    const key2 = heard.lastIndexOf("digits:2");
    expect(heard.slice(key2 - said.length - 1, key2)).toEqual([...said, "sound:switchboard/appointment-press"]);

    // the booking (its id: the call and the slot) calls the caller's number
    const r = await fetch(`${d.url}/admin/appointments/ivr-${channelId}-${slot.start}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ booking: { phone: CARLA, queue: "support", slotStart: slot.start, express: false, reason: "booked by phone", state: "booked" } });

    // the caller left the queue with an appointment, not abandoned: the queue and today's report say so
    const exits = (await d.queue.events({ count: 10_000 })).filter((e) => e.type !== "joined" && "callId" in e && e.callId === channelId && ["abandoned", "timeout", "scheduled", "answered"].includes(e.type));
    expect(exits.map((e) => e.type)).toEqual(["scheduled"]);
    const report = await waitFor("the report counting the call", async () => {
      const res = await fetch(`${d.url}/admin/reports?from=today&by=queue`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const body = (await res.json()) as { total?: { scheduled: number; abandoned: number; offered: number } };
      return (body.total?.offered ?? 0) >= 1 && body.total;
    });
    expect(report).toMatchObject({ scheduled: 1, abandoned: 0 });
  });

  test("a queue without a calendar: the caller is told, and keeps their place in the queue", async () => {
    const { s, d } = await rig({});
    const { channelId } = s.sim.control.placeCall(booksAnAppointment(CARLA));
    await waitFor("the caller told no appointment was booked", () => s.sim.control.getCall(channelId)?.heard.some((h) => h.uri === "sound:switchboard/appointment-not-booked"), 30_000);
    await waitFor("the caller back at their place", async () => (await d.queue.status("support")).callers.some((w) => w.callId === channelId));
  });
});
