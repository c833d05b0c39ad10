/**
 * AmiGateway (and AriGateway beside it) against the PBX simulator's AMI server over real loopback
 * sockets: the same asterisk-manager code path as against Asterisk 22.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startAmiServer } from "../../src/sim/ami/server.js";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { AmiGateway, AriGateway, type AmiGatewayOptions } from "../../src/telephony/index.js";
import { captureLog } from "./helpers/log.js";
import { next, waitFor } from "./helpers/wait.js";

const TIME_SCALE = 0.1;
const open: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.stop();
});

async function simulator(): Promise<Simulator> {
  const sim = await startSimulator({ users: { cti: "cti" }, timeScale: TIME_SCALE, ami: startAmiServer });
  open.unshift(sim);
  return sim;
}

function amiGateway(sim: Simulator, overrides: Partial<AmiGatewayOptions> = {}): AmiGateway {
  const gw = new AmiGateway({
    serverId: "sim1",
    host: "127.0.0.1",
    port: sim.amiPort!,
    username: "cti",
    secret: "cti",
    connectTimeoutMs: 3000,
    actionTimeoutMs: 2000,
    heartbeatIntervalMs: 200,
    heartbeatMisses: 2,
    reconnect: { initialDelayMs: 50, maxDelayMs: 300, jitter: 0.5 },
    logger: captureLog().logger,
    ...overrides,
  });
  open.push(gw);
  return gw;
}

describe("AmiGateway with the simulator", () => {
  it("logs in, lists devices and channels, originates, and types Newchannel/Hangup/Cdr events", async () => {
    const sim = await simulator();
    const gw = amiGateway(sim);
    const booted = next<number | undefined>("FullyBooted", (d) => gw.on("FullyBooted", (e) => d(e.uptime)));
    await gw.start();
    expect(await booted).toBeGreaterThanOrEqual(0);
    expect((await gw.ping()).timestamp).toMatch(/^\d+\.\d+$/);

    expect(await gw.coreShowChannels()).toEqual([]);
    // a configured endpoint: only those are in Asterisk's device-state cache (DeviceStateList)
    sim.pbx.addEndpoint({ tech: "PJSIP", resource: "2000" });
    sim.pbx.placeCall({ from: "PJSIP/2000", context: "caller-hold", exten: "s", callerId: "Waiting Caller <5559000>" });
    await waitFor("channel up", () => sim.pbx.listChannels().length === 1);
    const rows = await gw.coreShowChannels();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ callerIdNum: "5559000", context: "caller-hold" });
    const devices = await gw.deviceStates();
    expect(devices.some((d) => d.device === "PJSIP/2000")).toBe(true);

    const newchannels: string[] = [];
    const hangups: Array<{ channel: string; cause?: number }> = [];
    const cdrs: string[] = [];
    gw.on("Newchannel", (e) => void newchannels.push(e.channel));
    gw.on("Hangup", (e) => void hangups.push({ channel: e.channel, cause: e.cause }));
    gw.on("Cdr", (e) => void cdrs.push(e.disposition ?? ""));
    const result = await gw.originate({
      channel: "Local/s@dtmf-driver",
      target: { context: "after-stasis", exten: "s" },
      callerId: "AMI Test <6001>",
      ringTimeoutMs: 20_000,
      variables: { DTMF_DELAY: "1", DTMF_HOLD: "1", CTI_TAG: "ami-orig" },
    });
    expect(result).toMatchObject({ success: true, reason: 4, reasonText: "answered", callerIdNum: "6001" });
    expect(result.uniqueId).toBeDefined();
    await waitFor("both legs hung up", () => hangups.filter((h) => h.channel.startsWith("Local/s@dtmf-driver")).length === 2, 5000);
    expect(newchannels.filter((c) => c.startsWith("Local/s@dtmf-driver"))).toHaveLength(2);
    expect(hangups.every((h) => h.cause === 16)).toBe(true);
    await waitFor("CDRs", () => cdrs.length >= 2, 5000);
    // nothing left behind: the heartbeat's Ping (every 200 ms) may be in flight at any moment, with its
    // listener, so the gateway is checked once that one is answered
    await waitFor("no action in flight", () => gw.diagnostics().pendingActions === 0, 5000);
    expect(gw.diagnostics()).toEqual({ pendingActions: 0, libraryListeners: 0 });
  });

  it("an unanswered originate resolves with reason 3; a refused one rejects with AmiActionError", async () => {
    const sim = await simulator();
    const gw = amiGateway(sim);
    await gw.start();
    const noAnswer = await gw.originate({ channel: "Local/agent9@agents-noanswer", target: { context: "after-stasis", exten: "s" }, ringTimeoutMs: 3000 });
    expect(noAnswer).toMatchObject({ success: false, reason: 3, uniqueId: undefined });
    await expect(gw.action("NoSuchAction")).rejects.toMatchObject({ name: "AmiActionError", serverMessage: expect.stringMatching(/^Invalid\/unknown command/) });
  });

  it("simulator restart: disconnected, then reconnected with a fresh FullyBooted", async () => {
    const sim = await simulator();
    const gw = amiGateway(sim);
    await gw.start();
    const lost = next<{ willReconnect: boolean }>("disconnected", (d) => gw.on("disconnected", d));
    const back = next("reconnected", (d) => gw.on("reconnected", d));
    const booted = next("FullyBooted", (d) => gw.on("FullyBooted", d));
    await sim.restart(300);
    expect(await lost).toMatchObject({ willReconnect: true });
    await back;
    await booted;
    expect((await gw.ping()).timestamp).toBeDefined();
  });

  it("with AriGateway: a call originated over AMI into the Stasis context reaches ARI as StasisStart", async () => {
    const sim = await simulator();
    const ami = amiGateway(sim);
    const ari = new AriGateway({
      serverId: "sim1",
      url: sim.ariUrl,
      username: "cti",
      password: "cti",
      app: "cti",
      connectTimeoutMs: 3000,
      requestTimeoutMs: 2000,
      heartbeatIntervalMs: 200,
      heartbeatMisses: 2,
      reconnect: { initialDelayMs: 50, maxDelayMs: 300, jitter: 0.5 },
      logger: captureLog().logger,
    });
    open.push(ari);
    await Promise.all([ami.start(), ari.start()]);
    const started = next<{ id: string; args: string[] }>("StasisStart", (d) => ari.on("StasisStart", (e) => d({ id: e.channel.id, args: e.args })));
    const originated = ami.originate({
      channel: "Local/s@inbound-stasis",
      target: { context: "dtmf-driver", exten: "s" },
      callerId: "Inbound Caller <5551234>",
      variables: { DTMF_DIGITS: "5", DTMF_DELAY: "1" },
    });
    const start = await started;
    expect(start.args).toEqual(["inbound", "5551234"]);
    await ari.answer(start.id);
    expect(await originated).toMatchObject({ success: true, reason: 4 });
    const dtmf = next<string>("DTMF", (d) => ari.on("ChannelDtmfReceived", (e) => d(e.digit)));
    expect(await dtmf).toBe("5");
    const ended = next<string>("StasisEnd", (d) => ari.on("StasisEnd", (e) => d(e.channel.id)));
    await ari.hangup(start.id, { reason: "normal" });
    expect(await ended).toBe(start.id);
  });
});
