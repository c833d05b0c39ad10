/**
 * Customers the daemon calls out to (callbacks, campaigns), through the control API over HTTP and
 * in-process, with a Stasis app (ws + fetch) playing the daemon: it originates
 * `PJSIP/<number>@customers` into itself over ARI, as it would on a real Asterisk. A customer who answers
 * and presses 1, one who is busy (ws-20 B), one who does not answer (ws-20 C), one whose carrier says
 * unavailable, and endpoints that do not exist (ws-20 E). Nothing waits for time to pass: each step
 * waits for the event or the record it needs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type CustomerCallRecord, type Simulator } from "../../src/sim/index.js";
import { parseScenario, ScenarioRunner } from "../../src/sim/scenario/index.js";
import { channelOf, TestAriApp, type AriEvent } from "./scenario-ari-app.js";

let sim: Simulator;
let app: TestAriApp;

async function control(method: string, path: string, body?: object): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.controlUrl}${path}`, {
    method,
    headers: body !== undefined ? { "Content-Type": "application/json" } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

/** The daemon's outbound call: ARI originate into the app, as a callback would do it. */
async function dial(endpoint: string, label: string, timeout = 30): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams({ endpoint, app: "cti", appArgs: `outbound,${label}`, callerId: '"Switchboard" <800>', timeout: String(timeout) });
  return app.request("POST", `/channels?${qs}`);
}

const eventsOf = (id: string): AriEvent[] => app.events.filter((e) => (channelOf(e) ?? (e.peer as { id: string } | undefined))?.id === id);
const labels = (id: string): string[] =>
  eventsOf(id)
    .filter((e) => ["Dial", "ChannelHangupRequest", "StasisStart", "ChannelDestroyed", "ChannelStateChange"].includes(e.type))
    .map((e) => {
      if (e.type === "Dial") return `Dial ${String(e.dialstatus)}`;
      if (e.type === "ChannelStateChange") return `State ${channelOf(e).state}`;
      if (e.type === "ChannelHangupRequest") return `HangupRequest ${String(e.cause)}${e.soft ? " soft" : ""}${e.tech_cause ? ` ${String(e.tech_cause)}` : ""}`;
      if (e.type === "ChannelDestroyed") return `Destroyed ${String(e.cause)} ${String(e.cause_txt)}${e.tech_cause ? ` ${String(e.tech_cause)}` : ""}`;
      return e.type;
    });

beforeAll(async () => {
  sim = await startSimulator({
    users: { cti: "cti" },
    timeScale: 0.1,
    ami: false,
    media: { sounds: { "switchboard/callback-intro": 1000 } },
    control: { http: { port: 0 } },
  });
  app = await TestAriApp.connect(sim.ariUrl, "cti", "cti", "cti");
  // the "daemon": greets every answered customer with a prompt
  app.on(async (e: AriEvent) => {
    if (e.type === "StasisStart") await app.request("POST", `/channels/${channelOf(e).id}/play`, { media: "sound:switchboard/callback-intro" });
  });
});

afterAll(async () => {
  await app?.close();
  await sim?.stop();
});

describe("customers (outbound calls)", () => {
  it("a customer answers after 2 s, presses 1 and hangs up after its talk time: the app sees the key on the customer's channel", async () => {
    const added = await control("POST", "/customers", { number: "5551001", answer: "answer", answerDelay: 2, pressKey: "1", pressAfter: 1, talkTime: 10 });
    expect(added).toMatchObject({ status: 201, body: { number: "5551001", dialString: "PJSIP/5551001@customers", behaviour: { answer: "answer", pressKey: "1" } } });
    const res = await dial(added.body.dialString, "cb1");
    expect(res.status).toBe(200);
    const id = (res.body as { id: string }).id;
    expect(res.body).toMatchObject({ name: expect.stringMatching(/^PJSIP\/customers-[0-9a-f]{8}$/), state: "Down", caller: { name: "Switchboard", number: "800" } });

    const start = await app.waitFor((e) => e.type === "StasisStart" && channelOf(e).id === id);
    expect(start.args).toEqual(["outbound", "cb1"]);
    const key = await app.waitFor((e) => e.type === "ChannelDtmfReceived" && channelOf(e).id === id);
    expect(key.digit).toBe("1");
    const record = await sim.control.waitForCustomerCall(id);
    await app.waitFor((e) => e.type === "ChannelDestroyed" && channelOf(e).id === id);
    expect(labels(id)).toEqual(["Dial ", "State Ringing", "Dial RINGING", "State Up", "Dial ANSWER", "StasisStart", "HangupRequest 16", "Destroyed 16 Normal Clearing"]);
    // the dial string's user part is the number; the Dial events carry the dial string as given
    expect(eventsOf(id).filter((e) => e.type === "Dial").map((e) => e.dialstring)).toEqual(["5551001@customers", "5551001@customers", "5551001@customers"]);
    expect(record).toMatchObject({
      channelId: id,
      number: "5551001",
      callerId: { name: "Switchboard", number: "800" },
      outcome: "answered",
      state: "ended",
      stasis: { app: "cti", args: ["outbound", "cb1"] },
      hangup: { by: "customer", reason: "talk-time", cause: 16 },
    });
    expect(record.dtmf.map((d) => d.digit)).toEqual(["1"]);
    expect(record.heard.map((h) => [h.uri, h.outcome])).toEqual([["sound:switchboard/callback-intro", "done"]]);
    expect(Date.parse(record.ringingAt!)).toBeLessThanOrEqual(Date.parse(record.answeredAt!));
    // the same over HTTP
    expect((await control("GET", `/customer-calls/${id}`)).body).toEqual(record);
    expect((await control("GET", "/customer-calls?number=5551001")).body).toEqual([record]);
    expect((await control("GET", "/customers/5551001")).body.calls).toEqual({ dialed: 1, answered: 1, busy: 0, noAnswer: 0, unavailable: 0 });
  });

  it("a busy customer rejects the ringing call: HangupRequest 17 (tech cause 486), Dial BUSY, ChannelDestroyed 17, no StasisStart (ws-20 B)", async () => {
    sim.control.addCustomer({ number: "5551002", answer: "busy", answerDelay: 1 });
    const res = await dial("PJSIP/5551002@customers", "cb2");
    expect(res.status).toBe(200);
    const id = (res.body as { id: string }).id;
    const record = await sim.control.waitForCustomerCall(id);
    await app.waitFor((e) => e.type === "ChannelDestroyed" && channelOf(e).id === id);
    expect(labels(id)).toEqual(["Dial ", "State Ringing", "Dial RINGING", "HangupRequest 17 486", "Dial BUSY", "Destroyed 17 User busy 486"]);
    expect(record).toMatchObject({ outcome: "busy", hangup: { by: "customer", reason: "busy", cause: 17, techCause: 486 } });
    expect(record.answeredAt).toBeUndefined();
  });

  it("a customer who does not answer rings until the originate's timeout: ChannelDestroyed 19 (tech cause 480), no final Dial (ws-20 C)", async () => {
    await control("POST", "/customers/5551003", { answer: "no-answer" });
    const ended = sim.control.nextCustomerCall("5551003");
    const res = await dial("PJSIP/5551003@customers", "cb3", 2);
    const id = (res.body as { id: string }).id;
    const record = await ended;
    expect(record.channelId).toBe(id);
    await app.waitFor((e) => e.type === "ChannelDestroyed" && channelOf(e).id === id);
    expect(labels(id)).toEqual(["Dial ", "State Ringing", "Dial RINGING", "Destroyed 19 User alerting, no answer 480"]);
    expect(record).toMatchObject({ outcome: "no-answer", state: "ended", hangup: { by: "pbx", cause: 19, techCause: 480 } });
  });

  it("an unavailable customer: the carrier answers 480 without ringing (cause 19, Dial NOANSWER)", async () => {
    sim.control.addCustomer({ number: "5551004", answer: "unavailable", answerDelay: 0.5 });
    const id = ((await dial("PJSIP/5551004@customers", "cb4")).body as { id: string }).id;
    const record = await sim.control.waitForCustomerCall(id);
    await app.waitFor((e) => e.type === "ChannelDestroyed" && channelOf(e).id === id);
    expect(labels(id)).toEqual(["Dial ", "HangupRequest 19 480", "Dial NOANSWER", "Destroyed 19 User alerting, no answer 480"]);
    expect(record).toMatchObject({ outcome: "unavailable", hangup: { by: "network", reason: "unavailable", cause: 19 } });
    expect(record.ringingAt).toBeUndefined();
  });

  it("an unknown endpoint or trunk is 500 Allocation failed with no channel (ws-20 E); a number nobody listed gets the default behaviour", async () => {
    const before = sim.control.listChannels().length;
    for (const endpoint of ["PJSIP/nosuch", "PJSIP/5551005@nosuch", "PJSIP/5551005@", "PJSIP/@customers-not"]) {
      const res = await dial(endpoint, "cb5");
      expect([endpoint, res.status, res.body]).toEqual([endpoint, 500, { error: "Allocation failed" }]);
    }
    expect(sim.control.listChannels()).toHaveLength(before);
    // not listed: answers after the default second; the SIP URI form names the number as well
    expect(sim.control.getCustomer("5551006")).toBeUndefined();
    const id = ((await dial("PJSIP/customers/sip:5551006@carrier.example", "cb6")).body as { id: string }).id;
    await app.waitFor((e) => e.type === "StasisStart" && channelOf(e).id === id);
    await app.request("DELETE", `/channels/${id}`);
    expect(await sim.control.waitForCustomerCall(id)).toMatchObject({ number: "5551006", behaviour: "answer", outcome: "answered", hangup: { by: "pbx", cause: 16 } });
    // the default changes for every number not listed
    expect((await control("POST", "/customers/default", { answer: "busy", answerDelay: 0 })).body).toMatchObject({ trunk: "customers", endpoint: "PJSIP/customers", behaviour: { answer: "busy" } });
    const busy = ((await dial("PJSIP/5551007@customers", "cb7")).body as { id: string }).id;
    expect((await sim.control.waitForCustomerCall(busy)).outcome).toBe("busy");
    sim.control.setCustomerDefaults({ answer: "answer", answerDelay: 1 });
  });

  it("lists, updates and validates customers over HTTP", async () => {
    const updated = await control("POST", "/customers/5551001", { pressKey: null, talkTime: { uniform: [5, 10] } });
    expect(updated.body.behaviour).toEqual({ answer: "answer", answerDelay: 2, pressAfter: 1, talkTime: { uniform: [5, 10] } });
    const list = (await control("GET", "/customers")).body as Array<{ number: string }>;
    expect(list.map((c) => c.number)).toEqual(expect.arrayContaining(["5551001", "5551002", "5551003", "5551004"]));
    expect((await control("POST", "/customers", { number: "not a number" })).body.error).toMatch(/^number: a phone number/);
    expect((await control("POST", "/customers/5551001", { answer: "maybe" })).body.error).toMatch(/^answer: /);
    expect((await control("POST", "/customers", { number: "5551009", ring: true })).body.error).toMatch(/ring/);
    expect((await control("GET", "/customers/5559999")).status).toBe(404);
    expect((await control("GET", "/customer-calls/no-such-call")).status).toBe(404);
    expect((await control("DELETE", "/customers")).status).toBe(405);
    await expect(sim.control.waitForCustomerCall("no-such-call")).rejects.toMatchObject({ status: 404 });
    const calls = (await control("GET", "/customer-calls")).body as CustomerCallRecord[];
    expect(calls.every((r) => r.state === "ended")).toBe(true);
    expect(sim.pbx.getEndpoint("PJSIP", "customers")).toMatchObject({ state: "online" });
  });
});

describe("customers from a scenario file", () => {
  it("the runner sets up the scenario's trunk, default and numbers; an originate reaches them", async () => {
    const scenario = parseScenario(`
seed: 7
duration: 60
timeScale: 0.1
arrivals: { rate: 0.01 }
callers: { mix: [{ profile: a, weight: 1, numbers: ["5551001"], did: "800" }] }
customers:
  trunk: campaign
  default: { answer: busy, answerDelay: 0 }
  numbers: [{ number: "5552001", answer: answer, answerDelay: 0.5, talkTime: 1 }]
`);
    const local = await startSimulator({ users: { cti: "cti" }, timeScale: scenario.timeScale, ami: false });
    const runner = new ScenarioRunner(local.control, scenario);
    try {
      runner.start();
      expect(local.control.customerDefaults()).toMatchObject({ trunk: "campaign", endpoint: "PJSIP/campaign", behaviour: { answer: "busy" } });
      expect(local.control.listCustomers().map((c) => c.dialString)).toEqual(["PJSIP/5552001@campaign"]);
      const answered = local.pbx.originate({ endpoint: "PJSIP/5552001@campaign", application: "Wait", data: "30" });
      const busy = local.pbx.originate({ endpoint: "PJSIP/5552999@campaign", application: "Wait", data: "30" });
      const [a, b] = await Promise.all([local.control.waitForCustomerCall(answered.channel.id), local.control.waitForCustomerCall(busy.channel.id)]);
      expect(a).toMatchObject({ number: "5552001", outcome: "answered", hangup: { by: "customer", reason: "talk-time" } });
      expect(b).toMatchObject({ number: "5552999", outcome: "busy" });
      // the default trunk name of the control API is not configured in this run
      expect(() => local.pbx.originate({ endpoint: "PJSIP/5552001@customers", application: "Wait", data: "1" })).toThrow(/Allocation failed/);
    } finally {
      runner.stop();
      await local.stop();
    }
  });
});
