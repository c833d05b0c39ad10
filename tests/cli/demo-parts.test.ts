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
import { demoLoad, loadLines } from "../../src/cli/demo/load.js";
import { portFree, portInUseMessage } from "../../src/cli/demo/port.js";
import { compactLine, demoTerminal } from "../../src/cli/demo/terminal.js";
import { figures, progressLine, summaryLines } from "../../src/cli/demo/summary.js";
import { startWebhookSink } from "../../src/cli/demo/webhook-sink.js";
import { loadConfig } from "../../src/config/load.js";
import { signBody } from "../../src/jobs/signature.js";
import { createLogger } from "../../src/lib/logger.js";
import { loadScenario, planArrivals } from "../../src/sim/scenario/index.js";

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
  const load = demoLoad(loadConfig("config/switchboard.yaml"), loadScenario("src/sim/scenarios/demo.yaml"));

  it("is sized for 85% occupancy of the agents that take calls by themselves; 1004 is left for the visitor", () => {
    expect(load.agents.map((a) => a.id)).toEqual(["1001", "1002", "1003"]);
    expect(load.visitor?.id).toBe("1004");
    expect(load.sizing.occupancy).toBeCloseTo(0.85, 10);
    // talk from the phones, wrap-up from the agents' queues in the config
    expect(load.agents.map((a) => [a.talkSeconds, a.wrapUpSeconds])).toEqual([[75, 12.5], [90, 15], [80, 17.5]]);
    expect(load.sizing.erlangs).toBeCloseTo(0.85 * 3, 10);
    expect(load.scenario.arrivals.rate).toBeCloseTo(load.sizing.ratePerMinute, 10);
    expect(load.withVisitor!.occupancy).toBeLessThan(0.7);
    const lines = loadLines(load).join("\n");
    expect(lines).toContain("2.55 erlangs on 3 agents = 85% occupancy");
    expect(lines).toContain("with you logged in as 1004");
  });

  it("calls flow from the first minute (the seed is fixed, so every run starts the same)", () => {
    const at = planArrivals(load.scenario).map((p) => p.atMs / 1000);
    expect(at[0]).toBeLessThan(15);
    expect(at.filter((t) => t < 60).length).toBeGreaterThanOrEqual(2);
    expect(at.filter((t) => t < 300).length).toBeGreaterThanOrEqual(8);
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
  it("comes back from a pause, acknowledges pops, answers the top offer and gives the disposition in wrap-up", async () => {
    const fake = await fakeDesktop();
    const { log, lines } = keptLog();
    const habits = { pauseSeconds: [0.1, 0.2] as [number, number], outcomeSeconds: [0.05, 0.1] as [number, number], interested: 0, sold: 1, dispositionSeconds: [0.05, 0.1] as [number, number] };
    const desk = new SyntheticDesk({ baseUrl: fake.url, agentId: "1002", password: "pw", seed: 1, habits, log });
    cleanups.push(() => desk.stop());
    await desk.start();
    await fake.connected;
    // the token rides beside the subprotocol, as the agent page sends it
    expect(fake.protocols).toEqual(["switchboard.agent.v1", "tok.en"]);
    fake.send({ type: "welcome", agent: { id: "1002", name: "Sam" }, status: { state: "paused", reason: "no answer" }, sessionExpiresAt: 0 });
    await until(() => fake.got.some((m) => m.type === "state"));
    expect(fake.got[0]).toMatchObject({ type: "state", state: "available" });
    expect(lines.some((l) => l.msg === "agent back from a pause" && String(l.detail).includes("agent 1002 available again"))).toBe(true);
    // the pop comes while the phone rings: the offer waits for the conversation
    fake.send({ type: "pop", pop: { callId: "c1", offers: [{ id: "top-up" }, { id: "other" }] } });
    await until(() => fake.got.some((m) => m.type === "ack"));
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.got.some((m) => m.type === "outcome")).toBe(false);
    fake.send({ type: "status", state: "oncall" });
    fake.send({ type: "pop", pop: { callId: "c1", offers: [{ id: "top-up" }, { id: "other" }] } });
    await until(() => fake.got.some((m) => m.type === "outcome"));
    fake.send({ type: "status", state: "wrapup" });
    await until(() => fake.got.some((m) => m.type === "disposition"));
    expect(fake.got.slice(1).map((m) => [m.type, m.callId, m.outcome ?? m.disposition ?? null])).toEqual([
      ["ack", "c1", null],
      ["outcome", "c1", "sold"],
      ["disposition", "c1", "resolved"],
    ]);
    // a pause it gets while a person has already made it available again is not undone twice
    fake.send({ type: "status", state: "paused", reason: "lunch" });
    fake.send({ type: "status", state: "available" });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.got.filter((m) => m.type === "state")).toHaveLength(1);
  });
});
