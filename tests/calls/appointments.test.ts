/**
 * Appointments through the daemon: the admin API over real HTTP, the PBX simulator over real ARI/AMI
 * sockets, a real redis-server, a real webhook receiver for the customers' notices and an agent logged in
 * over the desk's WebSocket. Booking (express checked against the CRM record), a rebalance that moves a
 * standard booking and tells its customer, moving and cancelling, the KPIs; and an appointment a few
 * seconds away whose delayed job queues its call back, which rings the agent first and then the customer.
 * Every wait is for a condition, never for a length of time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import type { Daemon } from "../../src/daemon/index.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { WebhookServer } from "../jobs/helpers.js";
import { ADMIN, daemon, setup, stopAll, waitFor } from "./harness.js";

const MIN = 60_000;
const CARLA = "5551003";
const DAVID = "5551004";
const EVA = "5551005";
const clients: AgentClient[] = [];
let webhook: WebhookServer;
beforeAll(async () => {
  webhook = await WebhookServer.reservePort();
  await webhook.start();
});
afterAll(() => webhook.stop());
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
}, 60_000);

const everyDay = (range: string) => Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [range]]));

async function rig(calendar: Record<string, unknown>) {
  const passwordHash = await hashPassword("alex-password", { N: 1024, r: 8, p: 1 });
  const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash }], { callbacks: { answerTimeout: 5, acceptTimeout: 3 } }, {
    cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
    appointments: { support: calendar },
    jobs: { webhooks: { notifications: { url: webhook.url, secretEnv: "TEST_NOTIFY_SECRET" } }, attempts: 2 },
  });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const d = await daemon(s, { TEST_SESSION_SECRET: SECRET, TEST_NOTIFY_SECRET: "notify-secret" });
  const desk = await AgentClient.login(d.url, "1001");
  clients.push(desk);
  desk.send({ type: "state", id: "avail", state: "available" });
  await desk.next("ok", (m) => m.id === "avail");
  return { s, d, desk };
}

const admin = (d: Daemon, method: string, path: string, body?: unknown) =>
  fetch(`${d.url}/admin${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const json = async (r: Response | Promise<Response>) => {
  const res = await r;
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const notices = (kind: string, bookingId: string) =>
  webhook.received.map((x) => JSON.parse(x.raw) as { kind: string; data: Record<string, any> }).filter((b) => b.kind === kind && b.data.bookingId === bookingId);

describe("appointments", () => {
  test("booked through the admin API: express by the CRM record, a rebalance moves a standard booking and tells its customer, move, cancel, KPIs", async () => {
    // one place a slot, none held: an express customer gets a full slot only by a rebalance
    const { d } = await rig({ timeZone: "UTC", hours: everyDay("00:00-24:00"), plannedAgents: 1, expressShare: 0, expressCutoffMinutes: 30, horizonDays: 3 });
    const S = Math.ceil((Date.now() + 2 * 60 * MIN) / (15 * MIN)) * 15 * MIN;
    const iso = (ms: number) => new Date(ms).toISOString();

    const slots = await json(admin(d, "GET", `/appointments/slots?queue=support&from=${iso(S)}&to=${S + 60 * MIN}`));
    expect(slots.status).toBe(200);
    expect(slots.body).toMatchObject({ queue: "support", timeZone: "UTC" });
    expect(slots.body.slots.map((x: { start: number }) => x.start)).toEqual([S, S + 15 * MIN, S + 30 * MIN, S + 45 * MIN]);
    expect(slots.body.slots[0]).toMatchObject({ capacity: 1, expressHeld: 0, booked: { express: 0, standard: 0 }, room: { standard: 1, express: 1 } });
    expect((await json(admin(d, "GET", "/appointments/slots?queue=nope"))).status).toBe(404);
    expect((await json(admin(d, "GET", "/appointments/slots"))).body).toEqual({ error: "queue is required" });
    expect((await json(admin(d, "GET", "/appointments/slots?queue=support&from=soon"))).status).toBe(400);

    // bad requests
    expect((await json(admin(d, "POST", "/appointments", { queue: "support", slotStart: S }))).body.error).toMatch(/^number: /);
    expect((await json(admin(d, "POST", "/appointments", { queue: "nope", slotStart: S, number: CARLA }))).status).toBe(404);
    expect((await json(admin(d, "POST", "/appointments", { queue: "support", slotStart: S + 1, number: CARLA }))).body.error).toMatch(/no slot of queue "support" starts at/);

    // Carla books standard (ISO start); the same id again is the same booking
    const carla = await json(admin(d, "POST", "/appointments", { id: "carla", queue: "support", slotStart: iso(S), number: CARLA, name: "Carla Diaz" }));
    expect(carla).toMatchObject({ status: 201, body: { booking: { id: "carla", slotStart: S, express: false, customerId: "c-1003", place: "standard" }, moves: [], replayed: false, express: { granted: false } } });
    expect(await json(admin(d, "POST", "/appointments", { id: "carla", queue: "support", slotStart: S, number: CARLA }))).toMatchObject({ status: 200, body: { replayed: true } });
    expect(await json(admin(d, "POST", "/appointments", { queue: "support", slotStart: S, number: DAVID }))).toMatchObject({ status: 409, body: { reason: "full" } });
    // Carla is not express: asking for it is refused, not trusted
    expect(await json(admin(d, "POST", "/appointments", { queue: "support", slotStart: S, number: CARLA, customerId: "c-1003", express: true }))).toMatchObject({ status: 403, body: { error: /c-1003 is not entitled to express/ } });

    // Eva is express by her subscription: the full slot makes room by moving Carla to the next one
    const eva = await json(admin(d, "POST", "/appointments", { id: "eva", queue: "support", slotStart: S, number: EVA, customerId: "c-1005", express: true }));
    expect(eva).toMatchObject({ status: 201, body: { booking: { id: "eva", express: true }, express: { granted: true }, moves: [{ from: S, to: S + 15 * MIN, booking: { id: "carla", movedFrom: S, moves: 1 } }] } });
    const [moved] = await waitFor("Carla told of the move", () => notices("appointment-moved", "carla").length > 0 && notices("appointment-moved", "carla"), 30_000);
    expect(moved!.data).toMatchObject({ reason: "rebalanced", customer: { id: "c-1003", phone: CARLA, name: "Carla Diaz" }, from: { start: iso(S) }, to: { start: iso(S + 15 * MIN), timeZone: "UTC" } });
    expect(await json(admin(d, "GET", "/appointments/carla"))).toMatchObject({ status: 200, body: { booking: { slotStart: S + 15 * MIN, state: "booked" }, callback: null } });

    // moved by the admin; into a full slot it is refused
    expect(await json(admin(d, "POST", "/appointments/carla/move", { slotStart: S + 45 * MIN }))).toMatchObject({ status: 200, body: { moved: true, booking: { slotStart: S + 45 * MIN, moves: 2 } } });
    expect(await json(admin(d, "POST", "/appointments/carla/move", { slotStart: S }))).toMatchObject({ status: 409, body: { reason: "full" } });

    // cancelled: the place is open again; again changes nothing; a cancelled booking does not move
    expect(await json(admin(d, "DELETE", "/appointments/carla"))).toMatchObject({ status: 200, body: { cancelled: true, booking: { state: "cancelled" }, callback: null } });
    expect(await json(admin(d, "DELETE", "/appointments/carla"))).toMatchObject({ status: 200, body: { cancelled: false } });
    expect(await json(admin(d, "POST", "/appointments/carla/move", { slotStart: S + 30 * MIN }))).toMatchObject({ status: 409, body: { reason: "cancelled" } });
    expect((await json(admin(d, "DELETE", "/appointments/nobody"))).status).toBe(404);
    const after = await json(admin(d, "GET", `/appointments/slots?queue=support&from=${S + 45 * MIN}&to=${S + 46 * MIN}`));
    expect(after.body.slots[0]).toMatchObject({ booked: { standard: 0 }, room: { standard: 1 } });

    // the KPIs, from the appointment events the fold read
    const kpis = await waitFor("the appointments folded", async () => {
      const r = await json(admin(d, "GET", "/reports?from=today&by=queue"));
      const k = (r.body.rows as Array<{ key: string; kpis: Record<string, number> }>).find((row) => row.key === "support")?.kpis;
      return k?.appointmentsCancelled === 1 && k;
    }, 30_000);
    expect(kpis).toMatchObject({ appointmentsBooked: 2, appointmentsExpress: 1, appointmentsMoved: 2, appointmentsRebalanced: 1, appointmentsCancelled: 1, appointmentsCalled: 0 });
  }, 120_000);

  test("an appointment a few seconds away: its job queues the call back at its time, the agent is rung first, the customer presses 1, the pop says call back; a cancelled one's call back leaves the queue", async () => {
    // five-minute slots all day; the call job comes due about 8 s from now, whatever the clock says
    const t0 = Date.now();
    const S = Math.ceil((t0 + 20_000) / (5 * MIN)) * 5 * MIN;
    const callAheadMinutes = Math.round(((S - t0 - 8_000) / MIN) * 1e6) / 1e6;
    const r = await rig({ timeZone: "UTC", hours: everyDay("00:00-24:00"), slotMinutes: 5, horizonDays: 2, plannedAgents: 2, expressShare: 0, expressCutoffMinutes: 0, callAheadMinutes, reminderMinutes: 0 });
    r.s.sim.control.addCustomer({ number: CARLA, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
    // the agent's phone is busy: both call backs wait at their places
    r.s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
    await waitFor("the agent's phone in use", async () => (await r.d.queue.status("support")).agents.some((a) => a.device === "in_use"));

    expect((await json(admin(r.d, "POST", "/appointments", { id: "ap-carla", queue: "support", slotStart: S, number: CARLA }))).status).toBe(201);
    expect((await json(admin(r.d, "POST", "/appointments", { id: "ap-david", queue: "support", slotStart: S, number: DAVID }))).status).toBe(201);
    const queued = (id: string) => async () => (await json(admin(r.d, "GET", `/appointments/${id}`))).body.callback as { id: string; state: string } | undefined;
    const carlaCb = await waitFor("Carla's call back queued", queued("ap-carla"), 60_000);
    expect(carlaCb).toEqual({ id: "ap-carla-0", state: "waiting" });
    const cb = (await json(admin(r.d, "GET", `/callbacks/${carlaCb.id}`))).body.callback;
    const hhmm = new Date(S).toISOString().slice(11, 16);
    expect(cb).toMatchObject({ source: "appointment", number: CARLA, queue: "support", lane: "standard", reason: `appointment ${hhmm}`, state: "waiting" });
    // the allowance: joined as of the slot minus callAheadMinutes
    expect(Math.abs(cb.joinedAt - (S - callAheadMinutes * MIN))).toBeLessThanOrEqual(1);

    // David cancels: his call back is cancelled with the booking and its place leaves the queue
    await waitFor("David's call back queued", queued("ap-david"), 60_000);
    expect(await json(admin(r.d, "DELETE", "/appointments/ap-david"))).toMatchObject({ status: 200, body: { cancelled: true, callback: { id: "ap-david-0", state: "cancelled" } } });
    expect((await r.d.queue.status("support")).callers.map((w) => w.callId)).toEqual(["ap-carla-0"]);

    // the agent is free: rung first, then Carla is dialled and presses 1
    r.s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    const { pop } = (await r.desk.next("pop", (m) => (m as { pop?: { callId?: string } }).pop?.callId === "ap-carla-0")) as unknown as {
      pop: { callback: { number: string; attempt: number } | null; customer: { id: string } | null; reason: string | null };
    };
    expect(pop).toMatchObject({ callback: { number: CARLA, attempt: 1 }, customer: { id: "c-1003" }, reason: `appointment ${hhmm}` });
    await waitFor("Carla connected", async () => (await r.d.queue.events()).some((e) => e.type === "answered" && e.callId === "ap-carla-0"), 30_000);
    const call = await waitFor("Carla's call", () => r.s.sim.control.customerCalls(CARLA)[0]);
    expect(call.stasis?.args).toEqual(["callback-customer", "ap-carla-0"]);
    expect(call.dtmf.map((k) => k.digit)).toEqual(["1"]);
    expect(await json(admin(r.d, "GET", "/appointments/ap-carla"))).toMatchObject({ body: { callback: { id: "ap-carla-0", state: "connected" } } });
  }, 120_000);
});
