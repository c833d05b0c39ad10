import { afterEach, describe, expect, it } from "vitest";
import {
  AmiActionError,
  AmiAuthError,
  AmiDisconnectedError,
  AmiGateway,
  AmiInvalidInputError,
  AmiTimeoutError,
  AmiUnavailableError,
  type AmiGatewayOptions,
} from "../../src/telephony/ami/index.js";
import { captureLog, type CapturedLog } from "./helpers/log.js";
import { amiMessage, MiniAmi } from "./helpers/mini-ami.js";
import { next, sleep, waitFor } from "./helpers/wait.js";

const open: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.stop();
});

async function server(opts: ConstructorParameters<typeof MiniAmi>[0] = {}): Promise<MiniAmi> {
  const srv = await new MiniAmi(opts).start();
  open.unshift(srv);
  return srv;
}

function gateway(srv: MiniAmi, overrides: Partial<AmiGatewayOptions> = {}, log: CapturedLog = captureLog()): AmiGateway {
  const gw = new AmiGateway({
    serverId: "pbx1",
    host: "127.0.0.1",
    port: srv.port,
    username: srv.username,
    secret: srv.secret,
    connectTimeoutMs: 1000,
    actionTimeoutMs: 500,
    heartbeatIntervalMs: 0,
    heartbeatMisses: 2,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0.5 },
    logger: log.logger,
    ...overrides,
  });
  open.push(gw);
  return gw;
}

describe("AmiGateway login", () => {
  it("logs in, emits connected then FullyBooted", async () => {
    const srv = await server();
    const gw = gateway(srv);
    const order: string[] = [];
    gw.on("connected", () => void order.push("connected"));
    gw.on("FullyBooted", (e) => void order.push(`FullyBooted uptime=${e.uptime}`));
    await gw.start();
    await waitFor("FullyBooted", () => order.length === 2);
    expect(order).toEqual(["connected", "FullyBooted uptime=461"]);
    expect(srv.sessions[0]!.actions[0]).toMatchObject({ action: "login", username: "cti", secret: "secret" });
  });

  it("wrong secret: AmiAuthError, connection closed, no retry", async () => {
    const srv = await server();
    const gw = gateway(srv, { secret: "wrong" });
    const err = await gw.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiAuthError);
    expect((err as Error).message).toMatch(/Authentication failed/);
    expect(gw.state).toBe("stopped");
    await sleep(200);
    expect(srv.connections).toBe(1);
    await waitFor("socket closed", () => srv.openConnections === 0);
  });

  it("login never answered: AmiUnavailableError after the connect timeout, socket destroyed", async () => {
    const srv = await server();
    srv.stallLogin = true;
    const gw = gateway(srv, { connectTimeoutMs: 250 });
    await expect(gw.start()).rejects.toThrow(/no login within 250 ms/);
    await waitFor("socket closed", () => srv.openConnections === 0);
  });

  it("nothing listening: AmiUnavailableError", async () => {
    const srv = await server();
    await srv.stop();
    const gw = gateway(srv);
    await expect(gw.start()).rejects.toBeInstanceOf(AmiUnavailableError);
  });
});

describe("AmiGateway actions", () => {
  it("ping, event lists collected until Complete, Async Originate resolved by its OriginateResponse", async () => {
    const srv = await server();
    const gw = gateway(srv);
    await gw.start();
    expect((await gw.ping()).timestamp).toBe("1795345728.264681");
    expect(await gw.deviceStates()).toEqual([
      { device: "Queue:support", state: "RINGING" },
      { device: "Local/agent1@agents", state: "NOT_INUSE" },
    ]);
    const channels = await gw.coreShowChannels();
    expect(channels).toHaveLength(1);
    expect(channels[0]).toMatchObject({ channel: "Local/s@queue-entry-00000023;2", channelState: 6, uniqueId: "1795345747.69", application: "Queue", bridgeId: undefined });
    srv.channels = [];
    expect(await gw.coreShowChannels()).toEqual([]);

    const ok = await gw.originate({
      channel: "Local/s@dtmf-driver",
      target: { context: "after-stasis", exten: "s" },
      callerId: "AMI Test <6001>",
      ringTimeoutMs: 3000,
      variables: { DTMF_DELAY: "5", CTI_TAG: "a=b" },
    });
    expect(ok).toMatchObject({ success: true, reason: 4, reasonText: "answered", uniqueId: "1795345731.60" });
    const sent = srv.sessions[0]!.received;
    expect(sent).toContain("Variable: DTMF_DELAY=5\r\n");
    expect(sent).toContain("Variable: CTI_TAG=a=b\r\n");
    expect(sent).toMatch(/Async: true\r\n/);
    srv.originateReason = 3;
    expect(await gw.originate({ channel: "Local/agent9@agents-noanswer", target: { context: "after-stasis", exten: "s" } })).toMatchObject({
      success: false,
      reason: 3,
      uniqueId: undefined,
    });
    // list items and OriginateResponses belong to their actions: none leaked out as live events
    expect(gw.diagnostics()).toEqual({ pendingActions: 0, libraryListeners: 0 });
  });

  it("list items are not mistaken for live events; unsolicited events are typed", async () => {
    const srv = await server();
    const gw = gateway(srv);
    const live: string[] = [];
    gw.on("DeviceStateChange", (e) => void live.push(`${e.device}=${e.state}`));
    await gw.start();
    await gw.deviceStates();
    srv.push(amiMessage([["Event", "DeviceStateChange"], ["Privilege", "call,all"], ["Device", "Local/agent1@agents"], ["State", "INUSE"]]));
    const hangup = next<{ cause?: number; uniqueId: string }>("Hangup", (d) => gw.on("Hangup", d));
    srv.push(
      amiMessage([
        ["Event", "Hangup"],
        ["Privilege", "call,all"],
        ["Channel", "Local/s@dtmf-driver-0000001f;1"],
        ["Uniqueid", "1795345731.60"],
        ["Cause", "16"],
        ["Cause-txt", "Normal Clearing"],
      ]),
    );
    expect(await hangup).toMatchObject({ cause: 16, uniqueId: "1795345731.60", serverId: "pbx1" });
    expect(live).toEqual(["Local/agent1@agents=INUSE"]);
  });

  it("a message asterisk-manager cannot dispatch (repeated UserEvent key) is dropped, not thrown", async () => {
    const srv = await server();
    const log = captureLog();
    const gw = gateway(srv, {}, log);
    await gw.start();
    const dsc = next<string>("DeviceStateChange", (d) => gw.on("DeviceStateChange", (e) => d(e.device)));
    srv.push(amiMessage([["Event", "UserEvent"], ["Privilege", "user,all"], ["UserEvent", "a"], ["UserEvent", "b"]]));
    srv.push(amiMessage([["Event", "DeviceStateChange"], ["Privilege", "call,all"], ["Device", "PJSIP/1001"], ["State", "INUSE"]]));
    expect(await dsc).toBe("PJSIP/1001");
    expect(log.messages()).toContain("asterisk-manager could not dispatch an AMI message; dropped");
    expect((await gw.ping()).timestamp).toBeDefined();
  });

  it("Response: Error becomes AmiActionError carrying the server's message", async () => {
    const srv = await server();
    const gw = gateway(srv);
    await gw.start();
    const err = await gw.action("NoSuchAction").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiActionError);
    expect(err).toMatchObject({ action: "NoSuchAction", serverMessage: expect.stringMatching(/^Invalid\/unknown command/) });
    await expect(gw.originate({ channel: "", target: { context: "c", exten: "s" } })).rejects.toMatchObject({ serverMessage: "Channel not specified" });
  });

  it("CR/LF injection is refused before a single byte is written", async () => {
    const srv = await server();
    const gw = gateway(srv);
    await gw.start();
    const session = srv.sessions[0]!;
    const before = session.received;
    const evil = "Mallory <666>\r\n\r\nAction: Originate\r\nChannel: PJSIP/premium-line\r\nApplication: Dial";
    await expect(gw.originate({ channel: "Local/s@x", target: { context: "c", exten: "s" }, callerId: evil })).rejects.toBeInstanceOf(AmiInvalidInputError);
    await expect(gw.originate({ channel: "Local/s@x", target: { context: "c", exten: "s" }, variables: { NOTE: "hi\nAction: Hangup" } })).rejects.toBeInstanceOf(
      AmiInvalidInputError,
    );
    await expect(gw.action("Setvar", { Variable: "X", Value: "a\rb" })).rejects.toBeInstanceOf(AmiInvalidInputError);
    await expect(gw.action("Setvar", { "Value\r\nAction": "x" })).rejects.toBeInstanceOf(AmiInvalidInputError);
    await expect(gw.action("Ping\r\nAction: Hangup")).rejects.toBeInstanceOf(AmiInvalidInputError);
    await sleep(50);
    expect(session.received).toBe(before);
    expect(session.actions.map((a) => a.action)).toEqual(["login"]);
    // the connection is fine and the next action is the next thing on the wire
    await gw.ping();
    expect(session.received.slice(before.length)).toMatch(/^Action: Ping\r\nActionID: sb-[0-9a-f]+-\d+\r\n\r\n$/);
  });

  it("action timeout: rejected, no pending entry and no library listener left, late reply ignored", async () => {
    const srv = await server();
    const gw = gateway(srv);
    await gw.start();
    srv.silent = true;
    const results = await Promise.all([gw.ping({ timeoutMs: 100 }), gw.coreShowChannels({ timeoutMs: 100 }), gw.action("Ping", {}, { timeoutMs: 100 })].map((p) => p.catch((e: unknown) => e)));
    for (const r of results) expect(r).toBeInstanceOf(AmiTimeoutError);
    expect(gw.diagnostics()).toEqual({ pendingActions: 0, libraryListeners: 0 });
    srv.silent = false;
    expect((await gw.ping()).timestamp).toBeDefined();
    expect(gw.diagnostics()).toEqual({ pendingActions: 0, libraryListeners: 0 });
  });
});

describe("AmiGateway reconnect", () => {
  it("a dropped connection fails pending actions, actions while down fail fast, and the loop comes back", async () => {
    const srv = await server();
    const port = srv.port;
    const gw = gateway(srv);
    await gw.start();
    srv.silent = true;
    const pending = gw.coreShowChannels({ timeoutMs: 5000 }).catch((e: unknown) => e);
    await sleep(30);
    const lost = next<{ willReconnect: boolean }>("disconnected", (d) => gw.on("disconnected", d));
    await srv.stop();
    expect(await pending).toBeInstanceOf(AmiDisconnectedError);
    expect(await lost).toMatchObject({ willReconnect: true });
    const down = await gw.ping().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(AmiUnavailableError);
    expect((down as Error).message).toMatch(/not connected/);
    const back = next("reconnected", (d) => gw.on("reconnected", d));
    await sleep(100);
    open.unshift(await new MiniAmi({ port }).start());
    await back;
    expect(gw.state).toBe("connected");
    expect((await gw.ping()).timestamp).toBeDefined();
  });

  it("heartbeat: a server that stops answering Ping is dropped and reconnected", async () => {
    const srv = await server();
    const gw = gateway(srv, { heartbeatIntervalMs: 100, heartbeatMisses: 2 });
    await gw.start();
    const lost = next<{ reason: string }>("disconnected", (d) => gw.on("disconnected", d));
    const back = next("reconnected", (d) => gw.on("reconnected", d));
    srv.ignorePing = true;
    expect((await lost).reason).toMatch(/heartbeat failed 2 times/);
    srv.ignorePing = false;
    await back;
    expect(srv.connections).toBe(2);
    await waitFor("old connection closed", () => srv.openConnections === 1);
  });

  it("keepTrying: a server down at start is reached later and announced as reconnected; stop() ends the trying", async () => {
    const srv = await server();
    const port = srv.port;
    await srv.stop();
    const gw = gateway(srv);
    expect(await gw.start({ keepTrying: true }).catch((e: unknown) => e)).toBeInstanceOf(AmiUnavailableError);
    expect(gw.state).toBe("reconnecting");
    const back = next("reconnected", (d) => gw.on("reconnected", d));
    await sleep(100);
    open.unshift(await new MiniAmi({ port }).start());
    await back;
    expect((await gw.ping()).timestamp).toBeDefined();

    const down = await server();
    const downPort = down.port;
    await down.stop();
    const gave = gateway(down);
    await gave.start({ keepTrying: true }).catch(() => undefined);
    await gave.stop();
    const watcher = await new MiniAmi({ port: downPort }).start();
    open.unshift(watcher);
    await sleep(300);
    expect(watcher.connections).toBe(0);
  });

  it("stop() during backoff: no further connection attempts", async () => {
    const srv = await server();
    const port = srv.port;
    const gw = gateway(srv, { reconnect: { initialDelayMs: 150, maxDelayMs: 150, jitter: 0 } });
    await gw.start();
    const lost = next("disconnected", (d) => gw.on("disconnected", d));
    await srv.stop();
    await lost;
    const watcher = await new MiniAmi({ port }).start();
    open.unshift(watcher);
    await gw.stop();
    await sleep(400);
    expect(watcher.connections).toBe(0);
    expect(gw.state).toBe("stopped");
  });
});
