import { afterEach, describe, expect, it } from "vitest";
import {
  AriAuthError,
  AriConflictError,
  AriGateway,
  AriInvalidInputError,
  AriNotFoundError,
  AriTimeoutError,
  AriUnavailableError,
  AriUnsupportedError,
  type AriGatewayOptions,
} from "../../src/telephony/ari/index.js";
import { captureLog, type CapturedLog } from "./helpers/log.js";
import { MiniAri } from "./helpers/mini-ari.js";
import { next, sleep, waitFor } from "./helpers/wait.js";

const open: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  // gateways first, then servers
  for (const x of open.splice(0).reverse()) await x.stop();
});

async function server(opts: ConstructorParameters<typeof MiniAri>[0] = {}): Promise<MiniAri> {
  const srv = await new MiniAri(opts).start();
  open.unshift(srv);
  return srv;
}

function gateway(srv: MiniAri, overrides: Partial<AriGatewayOptions> = {}, log: CapturedLog = captureLog()): AriGateway {
  const gw = new AriGateway({
    serverId: "pbx1",
    url: srv.url,
    username: srv.username,
    password: srv.password,
    app: "cti",
    connectTimeoutMs: 1500,
    requestTimeoutMs: 1000,
    heartbeatIntervalMs: 150,
    heartbeatMisses: 2,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0.5 },
    logger: log.logger,
    ...overrides,
  });
  open.push(gw);
  return gw;
}

const stasisStart = (srv: MiniAri, id: string, args: string[]) => ({
  type: "StasisStart",
  timestamp: "2026-11-22T11:06:12.632+0000",
  args,
  channel: srv.channelJson(srv.channels.get(id) ?? srv.addChannel(id)),
  asterisk_id: "02:fc:00:00:00:01",
  application: "cti",
});

describe("AriGateway connect", () => {
  it("connects, emits connected, and types the events it receives", async () => {
    const srv = await server();
    const gw = gateway(srv);
    const connected: string[] = [];
    gw.on("connected", (e) => void connected.push(e.serverId));
    await gw.start();
    expect(gw.state).toBe("connected");
    expect(connected).toEqual(["pbx1"]);
    const got = next<{ args: string[]; id: string; serverId: string }>("StasisStart", (deliver) =>
      gw.on("StasisStart", (e) => deliver({ args: e.args, id: e.channel.id, serverId: e.serverId })),
    );
    srv.send(stasisStart(srv, "c1", ["inbound", "5551234"]));
    expect(await got).toEqual({ args: ["inbound", "5551234"], id: "c1", serverId: "pbx1" });
  });

  it("wrong password: AriAuthError from the credential check, nothing left running, process alive", async () => {
    const srv = await server();
    const gw = gateway(srv, { password: "wrong" });
    await expect(gw.start()).rejects.toBeInstanceOf(AriAuthError);
    expect(gw.state).toBe("stopped");
    const before = srv.connections;
    await sleep(300);
    expect(srv.connections).toBe(before);
    // ari-client was never asked to load the API with the bad password
    expect(srv.requests.some((r) => r.path.startsWith("/ari/api-docs/"))).toBe(false);
    await waitFor("sockets closed", () => srv.openSockets === 0, 2000);
  });

  it("credentials refused while ari-client loads the API (a race): AriAuthError, not an uncaught exception", async () => {
    const srv = await server();
    srv.refuseApiDocs = true;
    const gw = gateway(srv);
    await expect(gw.start()).rejects.toBeInstanceOf(AriAuthError);
    expect(srv.requests.some((r) => r.path.startsWith("/ari/api-docs/"))).toBe(true);
  });

  it("event WebSocket upgrade refused: 401 is AriAuthError, a 404 page (restarting Asterisk) is AriUnavailableError", async () => {
    const srv = await server();
    srv.refuseUpgrade = 401;
    const first = gateway(srv);
    await expect(first.start()).rejects.toBeInstanceOf(AriAuthError);
    await first.stop();
    srv.refuseUpgrade = 404;
    const second = gateway(srv);
    await expect(second.start()).rejects.toThrow(/answered HTTP 404 instead of upgrading/);
    await waitFor("sockets closed", () => srv.openSockets === 0, 2000);
  });

  it("API declarations that are not JSON: AriUnavailableError, not an uncaught exception", async () => {
    const srv = await server();
    srv.garbageApiDocs = true;
    const gw = gateway(srv);
    await expect(gw.start()).rejects.toBeInstanceOf(AriUnavailableError);
  });

  it("stalled server: AriUnavailableError once the connect timeout passes, sockets released", async () => {
    const srv = await server();
    srv.stallAll = true;
    const gw = gateway(srv, { connectTimeoutMs: 300 });
    const started = Date.now();
    const err = await gw.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AriUnavailableError);
    expect((err as Error).message).toMatch(/within 300 ms/);
    // bounded by the timeout, not by some library default (generous bound: shared CI cores)
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor("server sockets closed", () => srv.openSockets === 0, 2000);
  });

  it("server stalls after the credential check (ari-client's connect has no timeout): AriUnavailableError, library sockets destroyed", async () => {
    const srv = await server();
    srv.stallAfterInfo = true;
    const gw = gateway(srv, { connectTimeoutMs: 300 });
    await expect(gw.start()).rejects.toThrow(/not loaded .* within 300 ms/);
    expect(srv.requests.some((r) => r.path === "/ari/api-docs/resources.json")).toBe(true);
    await waitFor("server sockets closed", () => srv.openSockets === 0, 2000);
  });

  it("unreachable port: AriUnavailableError", async () => {
    const srv = await server();
    const url = srv.url;
    await srv.stop();
    const gw = new AriGateway({
      serverId: "pbx1",
      url,
      username: "cti",
      password: "secret",
      app: "cti",
      connectTimeoutMs: 1000,
      requestTimeoutMs: 500,
      heartbeatIntervalMs: 1000,
      heartbeatMisses: 2,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0 },
      logger: captureLog().logger,
    });
    open.push(gw);
    await expect(gw.start()).rejects.toThrow(/ECONNREFUSED/);
  });

  it("one process, two servers with different credentials: every request carries its own server's", async () => {
    const a = await server({ username: "cti-a", password: "secret-a" });
    const b = await server({ username: "cti-b", password: "secret-b" });
    const first = gateway(a);
    const second = gateway(b, { serverId: "pbx2" });
    await first.start();
    // ari-client's global credentials are now b's: a's requests must still be a's
    await second.start();
    a.addChannel("ch-a");
    b.addChannel("ch-b");
    for (let i = 0; i < 3; i++) {
      await first.answer("ch-a");
      await second.answer("ch-b");
      expect((await first.getApplication()).name).toBe("cti");
    }
    const answers = (srv: MiniAri, id: string) => srv.requests.filter((r) => r.method === "POST" && r.path === `/ari/channels/${id}/answer`).length;
    expect([answers(a, "ch-a"), answers(b, "ch-b")]).toEqual([3, 3]);
    await second.stop();
    await first.answer("ch-a");
  });
});

describe("AriGateway events at the boundary", () => {
  it("drops garbage frames, unknown types and malformed events; a throwing listener hurts nobody", async () => {
    const srv = await server();
    const log = captureLog();
    const gw = gateway(srv, {}, log);
    await gw.start();
    const seen: string[] = [];
    gw.on("StasisStart", () => {
      throw new Error("listener bug");
    });
    gw.on("StasisStart", (e) => void seen.push(e.channel.id));
    gw.on("event", (e) => void seen.push(`event:${e.type}`));
    srv.send("garbage{");
    srv.send("[]");
    srv.send({ type: "SomethingNew", foo: 1 });
    srv.send({ type: "StasisStart", channel: { nope: true } });
    srv.send(stasisStart(srv, "c1", []));
    srv.send(stasisStart(srv, "c2", []));
    await waitFor("two StasisStart", () => seen.filter((s) => !s.startsWith("event:")).length === 2);
    expect(seen).toEqual(["c1", "event:StasisStart", "c2", "event:StasisStart"]);
    expect(log.messages().filter((m) => m === "dropped an ARI frame")).toHaveLength(3);
    expect(log.messages().filter((m) => m === "ARI event listener failed")).toHaveLength(2);
    // the socket is still healthy afterwards
    expect(gw.state).toBe("connected");
    await gw.answer("c1");
  });

  it("ApplicationReplaced: stops for good instead of flapping with the other client", async () => {
    const srv = await server();
    const gw = gateway(srv);
    await gw.start();
    const disconnected = next<{ willReconnect: boolean }>("disconnected", (d) => gw.on("disconnected", d));
    srv.send({ type: "ApplicationReplaced", application: "cti", timestamp: "t" });
    expect(await disconnected).toMatchObject({ willReconnect: false, reason: "application replaced by another client" });
    expect(gw.state).toBe("halted");
    const upgrades = srv.upgrades;
    await sleep(300);
    expect(srv.upgrades).toBe(upgrades);
    await expect(gw.answer("c1")).rejects.toBeInstanceOf(AriUnavailableError);
  });
});

describe("AriGateway operations", () => {
  it("answer, variables, play, get, list, originate; typed errors with the recorded status", async () => {
    const srv = await server();
    srv.addChannel("c1");
    srv.addChannel("other", false);
    const gw = gateway(srv);
    await gw.start();

    await gw.answer("c1");
    expect(srv.channels.get("c1")!.state).toBe("Up");
    expect(await gw.getVariable("c1", "CTI_TAG")).toBeUndefined();
    await gw.setVariable("c1", "CTI_TAG", "hello world");
    expect(await gw.getVariable("c1", "CTI_TAG")).toBe("hello world");
    expect(await gw.play("c1", ["sound:demo-welcome", "sound:demo-thanks"], { playbackId: "pb-1" })).toBe("pb-1");
    expect(srv.requests.at(-1)!.path).toBe("/ari/channels/c1/play/pb-1?media=sound%3Ademo-welcome%2Csound%3Ademo-thanks");
    expect((await gw.getChannel("c1")).state).toBe("Up");
    expect((await gw.listChannels()).map((c) => c.id)).toEqual(["c1"]);

    const agent = await gw.originate({
      endpoint: "Local/agent1@agents",
      appArgs: ["agent", "c1"],
      callerId: "Agent <7000>",
      timeoutSeconds: 15,
      variables: { variables: "named like the wrapper", CTI_CALL: "c1" },
      channelId: "agent-leg-1",
    });
    expect(agent).toMatchObject({ id: "agent-leg-1", state: "Down" });
    const orig = srv.requests.find((r) => r.method === "POST" && r.path.startsWith("/ari/channels?"))!;
    expect(orig.path).toContain("appArgs=agent%2Cc1");
    expect(JSON.parse(orig.body)).toEqual({ variables: { variables: "named like the wrapper", CTI_CALL: "c1" } });
    await expect(gw.originate({ endpoint: "Local/x@y", channelId: "agent-leg-1" })).rejects.toBeInstanceOf(AriConflictError);

    const notFound = await gw.answer("nosuch").catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(AriNotFoundError);
    expect(notFound).toMatchObject({ status: 404, serverMessage: "Channel not found", serverId: "pbx1" });
    await expect(gw.getVariable("nosuch", "X")).rejects.toBeInstanceOf(AriNotFoundError);
    await expect(gw.answer("other")).rejects.toMatchObject({ name: "AriConflictError", status: 409 });
    await expect(gw.addChannel("b1", "other")).rejects.toMatchObject({ name: "AriConflictError", status: 422 });
    await expect(gw.addChannel("b1", "nosuch")).rejects.toMatchObject({ name: "AriNotFoundError", status: 400 });
    await expect(gw.addChannel("b9", "c1")).rejects.toMatchObject({ name: "AriNotFoundError", status: 404 });
    await expect(gw.redirect("c1", "PJSIP/x")).rejects.toBeInstanceOf(AriUnsupportedError);
  });

  it("refuses input that would be mangled on the wire, before sending", async () => {
    const srv = await server();
    srv.addChannel("c1");
    const gw = gateway(srv);
    await gw.start();
    const before = srv.requests.length;
    await expect(gw.play("c1", ["sound:a,b"])).rejects.toBeInstanceOf(AriInvalidInputError);
    await expect(gw.play("c1", [])).rejects.toBeInstanceOf(AriInvalidInputError);
    await expect(gw.answer("")).rejects.toBeInstanceOf(AriInvalidInputError);
    await expect(gw.originate({ endpoint: "Local/x@y", appArgs: ["a,b"] })).rejects.toBeInstanceOf(AriInvalidInputError);
    await expect(gw.hangup("c1", { reason: "nonsense" as never })).rejects.toBeInstanceOf(AriInvalidInputError);
    expect(srv.requests.length).toBe(before);
  });

  it("per-request timeout: a stalled reply becomes AriTimeoutError; operations fail fast while not connected", async () => {
    const srv = await server();
    srv.addChannel("c1");
    const gw = gateway(srv, { heartbeatIntervalMs: 5000 });
    await gw.start();
    srv.stallAll = true;
    await expect(gw.answer("c1", { timeoutMs: 200 })).rejects.toBeInstanceOf(AriTimeoutError);
    srv.stallAll = false;
    await gw.stop();
    const err = await gw.answer("c1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriUnavailableError);
    expect((err as Error).message).toMatch(/not connected/);
  });

  it("stop() fails a request in flight at once", async () => {
    const srv = await server();
    srv.addChannel("c1");
    const gw = gateway(srv, { heartbeatIntervalMs: 5000 });
    await gw.start();
    srv.stallAll = true;
    const pending = gw.answer("c1", { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await sleep(50);
    await gw.stop();
    const err = await pending;
    expect(err).toBeInstanceOf(AriUnavailableError);
    expect(err).not.toBeInstanceOf(AriTimeoutError);
  });
});

describe("AriGateway supervisor", () => {
  it("rebuilds after the connection drops, and events flow again", async () => {
    const srv = await server();
    const gw = gateway(srv);
    await gw.start();
    const lost = next<{ willReconnect: boolean }>("disconnected", (d) => gw.on("disconnected", d));
    const back = next<{ downtimeMs: number }>("reconnected", (d) => gw.on("reconnected", d));
    srv.dropAll();
    expect(await lost).toMatchObject({ willReconnect: true });
    expect((await back).downtimeMs).toBeGreaterThanOrEqual(0);
    const got = next<string>("StasisStart", (d) => gw.on("StasisStart", (e) => d(e.channel.id)));
    srv.send(stasisStart(srv, "c7", []));
    expect(await got).toBe("c7");
  });

  it("heartbeat: a server that stops answering pings is declared dead and rebuilt", async () => {
    const srv = await server();
    const log = captureLog();
    const gw = gateway(srv, { heartbeatIntervalMs: 100, heartbeatMisses: 2 }, log);
    await gw.start();
    const lost = next<{ reason: string }>("disconnected", (d) => gw.on("disconnected", d));
    const back = next("reconnected", (d) => gw.on("reconnected", d));
    srv.silent = true;
    expect((await lost).reason).toMatch(/heartbeat failed 2 times/);
    srv.silent = false;
    await back;
    expect(gw.state).toBe("connected");
    expect(log.messages()).toContain("ARI heartbeat missed");
  });

  it("server stopped and restarted on the same port: retries with backoff until it is back", async () => {
    const srv = await server();
    const port = srv.port;
    const gw = gateway(srv);
    await gw.start();
    const back = next("reconnected", (d) => gw.on("reconnected", d));
    await srv.stop();
    await sleep(300);
    expect(gw.state).toBe("reconnecting");
    const again = await new MiniAri({ port }).start();
    open.unshift(again);
    await back;
    expect(gw.state).toBe("connected");
    expect(again.wsClients).toBe(1);
  });

  it("stop() during backoff really stops: no further connection attempts, no timers", async () => {
    const srv = await server();
    const port = srv.port;
    const gw = gateway(srv, { reconnect: { initialDelayMs: 150, maxDelayMs: 150, jitter: 0 } });
    await gw.start();
    const lost = next("disconnected", (d) => gw.on("disconnected", d));
    await srv.stop();
    await lost;
    // a fresh server on the same port counts every connection attempt
    const watcher = await new MiniAri({ port }).start();
    open.unshift(watcher);
    await gw.stop();
    expect(gw.state).toBe("stopped");
    await sleep(500);
    expect(watcher.connections).toBe(0);
  });

  it("stop() while a connect attempt hangs aborts it", async () => {
    const srv = await server();
    const gw = gateway(srv, { connectTimeoutMs: 10_000 });
    srv.stallAll = true;
    const starting = gw.start().catch((e: unknown) => e);
    await waitFor("connect attempt", () => srv.connections > 0);
    await gw.stop();
    expect(await starting).toBeInstanceOf(AriUnavailableError);
    await waitFor("server sockets closed", () => srv.openSockets === 0, 2000);
  });
});
