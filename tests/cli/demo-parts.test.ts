/**
 * The demo's parts on their own: the load it sizes from the shipped config and scenario, its terminal
 * lines, the port check, the local webhook receiver and the synthetic desks' person-like habits.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { webhookNames } from "../../src/cli/demo/config.js";
import { SyntheticDesk } from "../../src/cli/demo/desks.js";
import { answeredLoad, demoLoad, loadLines, queuePatience, rateFor } from "../../src/cli/demo/load.js";
import { portFree, portInUseMessage } from "../../src/cli/demo/port.js";
import { compactLine, demoTerminal } from "../../src/cli/demo/terminal.js";
import { figures, progressLine, summaryLines } from "../../src/cli/demo/summary.js";
import { startWebhookSink } from "../../src/cli/demo/webhook-sink.js";
import { loadConfig } from "../../src/config/load.js";
import { signBody } from "../../src/jobs/signature.js";
import { createLogger } from "../../src/lib/logger.js";
import { loadOf, loadScenario, meanOf, planArrivals } from "../../src/sim/scenario/index.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A logger whose lines are kept, parsed. */
function keptLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger("debug", { stream: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { log, lines };
}

describe("the demo's load", () => {
  const scenario = loadScenario("src/sim/scenarios/demo.yaml");
  const load = demoLoad(loadConfig("config/switchboard.yaml"), scenario);

  it("is sized for 85% occupancy as the KPIs measure it, of the agents that take calls by themselves; 1004 is left for the visitor", () => {
    expect(load.agents.map((a) => a.id)).toEqual(["1001", "1002", "1003"]);
    expect(load.visitor?.id).toBe("1004");
    // talk, ringing and misses from the phones, wrap-up from the agents' queues in the config
    const phones = new Map(scenario.agents.map((p) => [p.endpoint, p]));
    for (const a of load.agents) expect(a).toMatchObject({ talkSeconds: meanOf(phones.get(a.endpoint)!.talkTime), ringSeconds: meanOf(phones.get(a.endpoint)!.answerDelay), missShare: phones.get(a.endpoint)!.noAnswerProbability });
    expect(load.answered.occupancy).toBeCloseTo(0.85, 6);
    // callers who hang up while waiting bring no work: more is offered than answered
    expect(load.answered.abandonRate).toBeGreaterThan(0);
    expect(load.answered.answeredPerMinute).toBeLessThan(load.sizing.agentRatePerMinute);
    expect(load.sizing.occupancy).toBeGreaterThan(load.answered.occupancy);
    expect(load.scenario.arrivals.rate).toBeCloseTo(load.sizing.ratePerMinute, 10);
    expect(load.withVisitor!.occupancy).toBeLessThan(load.answered.occupancy);
    const lines = loadLines(load).join("\n");
    expect(lines).toContain(`erlangs on ${(load.answered.erlangs / load.answered.occupancy).toFixed(1)} staffed agents = 85% occupancy`);
    expect(lines).toContain("hang up while waiting (Erlang A");
    expect(lines).toContain("with you logged in as 1004");
  });

  it("comes down to the offered arithmetic (calls reaching the agents x handle / agents) when nobody hangs up and phones answer at once", () => {
    const plain = load.agents.map((a) => ({ ...a, ringSeconds: 0, missShare: 0 }));
    const patient = { reach: 0.9, patienceSeconds: Infinity, ringTimeoutSeconds: 15, pauseSeconds: 90 };
    const rate = rateFor(0.8, plain, patient);
    expect(answeredLoad(rate, plain, patient)).toMatchObject({ abandonRate: 0, awaySeconds: load.answered.handleSeconds });
    expect(loadOf(rate, 0.9, plain).occupancy).toBeCloseTo(0.8, 6);
    // ringing and missed calls keep agents from the queue: the same calls make more of them hang up
    const ringing = load.agents.map((a) => ({ ...a, ringSeconds: 5, missShare: 0.1 }));
    const impatient = { ...patient, patienceSeconds: 300 };
    expect(answeredLoad(rate, ringing, impatient).abandonRate).toBeGreaterThan(answeredLoad(rate, plain, impatient).abandonRate);
    // and cap how busy they can be kept at all
    expect(() => rateFor(0.99, ringing, impatient)).toThrow(/more than these agents can be kept busy/);
    // Erlang A takes times as exponential: steadier ones make shorter waits, so fewer callers hang up
    const exponential = plain.map((a) => ({ ...a, talkVariance: (a.talkSeconds + a.wrapUpSeconds) ** 2, ringVariance: 0 }));
    const steady = plain.map((a) => ({ ...a, talkVariance: 0, ringVariance: 0 }));
    expect(answeredLoad(rate, exponential, impatient).awayVariation).toBeCloseTo(1, 1);
    expect(answeredLoad(rate, steady, impatient).abandonRate).toBeLessThan(answeredLoad(rate, exponential, impatient).abandonRate);
  });

  it("averages the callers' patience as hang-up rates, weighted by profile (on hold, else in all)", () => {
    const [a, b] = scenario.callers.mix;
    const mix = [
      { ...a!, weight: 1, patience: { onHold: { exponential: 100 }, total: 5000 } },
      { ...b!, weight: 1, patience: { total: 300 } },
    ];
    expect(queuePatience({ ...scenario, callers: { mix } })).toBeCloseTo(150, 10);
    expect(queuePatience({ ...scenario, callers: { mix: [{ ...a!, patience: {} }] } })).toBe(Infinity);
  });

  it("calls flow from the first minute (the seed is fixed, so every run starts the same) and keep close to the sized rate", () => {
    const plan = planArrivals(load.scenario);
    const at = plan.map((p) => p.atMs / 1000);
    expect(at[0]).toBeLessThan(15);
    expect(at.filter((t) => t < 60).length).toBeGreaterThanOrEqual(2);
    expect(at.filter((t) => t < 300).length).toBeGreaterThanOrEqual(8);
    // from the 10th minute to the hour, the calls placed so far stay within 10% of the sized rate
    for (const minute of [10, 15, 20, 30, 60]) {
      const placed = at.filter((t) => t < minute * 60).length;
      expect(Math.abs(placed / (load.sizing.ratePerMinute * minute) - 1), `${minute} min`).toBeLessThan(0.1);
    }
  });
});

describe("the demo's terminal", () => {
  it("one short line per event: time, what, key fields; milliseconds as seconds, nulls and noise left out", () => {
    const line = compactLine({ level: 30, time: new Date(2026, 0, 1, 9, 5, 7).getTime(), pid: 1, hostname: "h", component: "queue-handoff", callId: "17.3", agentId: "1001", waitMs: 1678, customer: null, offers: [], msg: "caller connected to agent" });
    expect(line).toBe("09:05:07  caller connected to agent  callId=17.3 agentId=1001 wait=1.7s");
    expect(compactLine({ level: 40, time: 0, msg: "careful", detail: "said plainly", err: { message: "boom", stack: "at x" } })).toMatch(/^\d\d:\d\d:\d\d {2}WARN {2}careful {2}said plainly {2}err=boom$/);
  });

  it("passes JSON through when asked, counts messages either way, and leaves out deliveries the sink announces", () => {
    const out: string[] = [];
    const sink = { write: (s: string) => void out.push(s) } as unknown as NodeJS.WritableStream;
    const json = demoTerminal("json", sink, false);
    json.stream.write('{"level":30,"time":1,"msg":"screen-pop pushed"}\n');
    expect(out).toEqual(['{"level":30,"time":1,"msg":"screen-pop pushed"}\n']);
    expect(json.count("screen-pop pushed")).toBe(1);
    out.length = 0;
    const compact = demoTerminal("compact", sink, false);
    compact.stream.write('{"level":30,"time":1,"msg":"delivered","kind":"lead"}\n');
    compact.stream.write('{"level":50,"time":1,"msg":"delivered","kind":"lead"}\n');
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("ERROR  delivered");
  });
});

describe("the demo's figures", () => {
  it("a progress line and a summary: placed, answered, abandoned, pops, leads, sales (upgrades bought in the IVR too), duration", () => {
    const received = new Map([["lead", 2], ["sale", 1], ["express-upgrade", 1], ["history", 7]]);
    const f = figures(Date.now() - 125_000, { placed: 12, live: 3 }, { waiting: 1, busyNow: "2 of 3", answered: 9, abandoned: 1, occupancy: 0.834 }, { pops: 9, received });
    expect(progressLine(f)).toBe("placed 12, live 3, waiting 1, agents busy 2 of 3, answered 9, abandoned 1, occupancy so far 83%, leads 2, sales 2");
    expect(summaryLines(f)).toEqual([
      "Demo summary after 2 min 5 s:",
      "  calls placed 12, answered by agents 9, abandoned in the queue 1",
      "  screen-pops 9, leads 2, sales 2, history entries 7, agent occupancy 83%",
    ]);
  });
});

describe("the demo's port", () => {
  it("tells a taken port, and says how to choose another", async () => {
    const srv = http.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
    const { port } = srv.address() as AddressInfo;
    expect(await portFree("127.0.0.1", port)).toBe(false);
    expect(await portFree("127.0.0.1", 0)).toBe(true);
    expect(portInUseMessage("127.0.0.1", port)).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--port <n>.*--port ${port + 1}.*--port 0`));
  });
});

describe("the demo's webhook receiver", () => {
  it("takes signed deliveries for every webhook the jobs know, announces leads and sales, refuses bad signatures", async () => {
    expect(webhookNames()).toEqual(expect.arrayContaining(["leads", "sales", "history"]));
    const { log, lines } = keptLog();
    const sink = await startWebhookSink({ leads: "s1", sales: "s2" }, log);
    cleanups.push(() => sink.stop());
    const post = (name: string, body: string, secret: string) =>
      fetch(sink.url(name), { method: "POST", headers: { "content-type": "application/json", "x-switchboard-signature": signBody(body, secret) }, body });
    const lead = JSON.stringify({ kind: "lead", data: { customer: { name: "Carla Diaz" }, offer: { title: "Upgrade" }, agent: { id: "1001" } } });
    expect(new URL(sink.url("leads")).hostname).toBe("127.0.0.1");
    expect((await post("leads", lead, "s1")).status).toBe(200);
    expect((await post("leads", lead, "s2")).status).toBe(401);
    expect((await post("unknown", lead, "s1")).status).toBe(404);
    const sale = JSON.stringify({ kind: "sale", data: { customer: { name: "Ben" }, offer: { title: "Top-up" }, amount: 20, currency: "EUR" } });
    expect((await post("sales", sale, "s2")).status).toBe(200);
    expect(Object.fromEntries(sink.received)).toEqual({ lead: 1, sale: 1 });
    const said = lines.filter((l) => l.level === 30).map((l) => `${String(l.msg)}: ${String(l.detail)}`);
    expect(said).toEqual(["lead received by the sales system: Carla Diaz: Upgrade (agent 1001)", "sale received by billing: Ben: Top-up, 20 EUR"]);
  });
});

/** A stand-in for the daemon's agent API: the login route and the agent socket, recording what the desk sends. */
async function fakeDesktop() {
  const got: Array<Record<string, unknown>> = [];
  const protocols: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "tok.en" })));
  });
  const wss = new WebSocketServer({ server, handleProtocols: (p) => (p.has("switchboard.agent.v1") ? "switchboard.agent.v1" : false) });
  let socket!: WebSocket;
  const connected = new Promise<void>((resolve) =>
    wss.on("connection", (ws, req) => {
      protocols.push(...String(req.headers["sec-websocket-protocol"]).split(",").map((p) => p.trim()));
      socket = ws;
      ws.on("message", (d) => got.push(JSON.parse(String(d)) as Record<string, unknown>));
      resolve();
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise<void>((r) => (wss.close(), server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, protocols, connected, send: (m: unknown) => socket.send(JSON.stringify(m)) };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a synthetic desk", () => {
  it("sees the card while the phone rings, acts on it once answered, gives the disposition in wrap-up and comes back from a pause", async () => {
    const fake = await fakeDesktop();
    const { log, lines } = keptLog();
    // a pause lasts longer than any pitch: what a pause's return overtakes was never scheduled
    const habits = { pauseSeconds: [0.3, 0.4] as [number, number], outcomeSeconds: [0.05, 0.1] as [number, number], interested: 0, sold: 1, dispositionSeconds: [0.05, 0.1] as [number, number] };
    const desk = new SyntheticDesk({ baseUrl: fake.url, agentId: "1002", password: "pw", seed: 1, habits, log });
    cleanups.push(() => desk.stop());
    await desk.start();
    await fake.connected;
    // the token rides beside the subprotocol, as the agent page sends it
    expect(fake.protocols).toEqual(["switchboard.agent.v1", "tok.en"]);
    const sent = (type: string) => fake.got.filter((m) => m.type === type);
    fake.send({ type: "welcome", agent: { id: "1002", name: "Sam" }, status: { state: "paused", reason: "no answer" }, sessionExpiresAt: 0 });
    await until(() => sent("state").length === 1);
    expect(fake.got[0]).toMatchObject({ type: "state", state: "available" });
    expect(lines.some((l) => l.msg === "agent back from a pause" && String(l.detail).includes("agent 1002 available again"))).toBe(true);

    // the phone rings: the card is seen at once, and nothing is recorded before the answer
    const card = { callId: "c1", offers: [{ id: "top-up" }, { id: "other" }] };
    fake.send({ type: "status", state: "ringing" });
    fake.send({ type: "ringing", pop: card });
    await until(() => sent("ack").length === 1);
    fake.send({ type: "status", state: "paused", reason: "coffee" });
    await until(() => sent("state").length === 2);
    expect(sent("outcome")).toEqual([]);

    // answered: the card of the answer, the top offer's answer in the conversation, the disposition in wrap-up
    fake.send({ type: "status", state: "oncall" });
    fake.send({ type: "pop", pop: card });
    await until(() => sent("outcome").length === 1);
    fake.send({ type: "status", state: "wrapup" });
    await until(() => sent("disposition").length === 1);
    expect(fake.got.filter((m) => m.type !== "state").map((m) => [m.type, m.callId, m.outcome ?? m.disposition ?? null])).toEqual([
      ["ack", "c1", null],
      ["outcome", "c1", "sold"],
      ["disposition", "c1", "resolved"],
    ]);

    // a ring that ends unanswered (the card taken away, the agent paused): nothing recorded for it
    fake.send({ type: "ringing", pop: { callId: "c2", offers: [{ id: "top-up" }] } });
    await until(() => sent("ack").length === 2);
    fake.send({ type: "popCleared", callId: "c2" });
    fake.send({ type: "status", state: "paused", reason: "no answer" });
    await until(() => sent("state").length === 3);
    expect(fake.got.filter((m) => m.callId === "c2").map((m) => m.type)).toEqual(["ack"]);

    // a pause a person has already ended (available again) is not ended a second time: the next pause is its own
    fake.send({ type: "status", state: "paused", reason: "lunch" });
    fake.send({ type: "status", state: "available" });
    fake.send({ type: "status", state: "paused", reason: "break" });
    await until(() => sent("state").length === 4);
    const back = lines.filter((l) => l.msg === "agent back from a pause").map((l) => String(l.detail));
    expect(back.at(-1)).toMatch(/\(break\)$/);
    expect(back.some((d) => d.endsWith("(lunch)"))).toBe(false);
  });
});
