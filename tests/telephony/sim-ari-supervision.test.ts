/**
 * AriGateway's supervision operations against the PBX simulator: `snoop` on a bridged channel into a
 * second app (its StasisStart goes there, not to the call's app), `recordBridge` with the typed
 * RecordingStarted / RecordingFinished, the stored recording listed, streamed (`storedRecordingFile`) and
 * deleted, and the typed errors (404 for an unknown name, a conflict for a name taken).
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { AriConflictError, AriGateway, AriInvalidInputError, AriNotFoundError, type AriGatewayEvents, type AriGatewayOptions } from "../../src/telephony/ari/index.js";
import { captureLog } from "./helpers/log.js";
import { waitFor } from "./helpers/wait.js";

let sim: Simulator | undefined;
const gateways: AriGateway[] = [];
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.stop();
  await sim?.stop();
  sim = undefined;
});

function gateway(s: Simulator, app: string): AriGateway {
  const opts: AriGatewayOptions = {
    serverId: "sim1",
    url: s.ariUrl,
    username: "cti",
    password: "cti",
    app,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 2000,
    heartbeatIntervalMs: 500,
    heartbeatMisses: 2,
    reconnect: { initialDelayMs: 50, maxDelayMs: 300, jitter: 0.5 },
    logger: captureLog().logger,
  };
  const g = new AriGateway(opts);
  gateways.push(g);
  return g;
}

describe("AriGateway supervision", () => {
  it("snoops into a second app, records a bridge, lists, streams and deletes the recording", async () => {
    sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.1 });
    sim.pbx.addEndpoint({ tech: "PJSIP", resource: "1001", online: true, answerAfterMs: 50 });
    const calls = gateway(sim, "cti");
    const sup = gateway(sim, "cti-supervision");
    const callEvents: Array<AriGatewayEvents["event"]> = [];
    const supEvents: Array<AriGatewayEvents["event"]> = [];
    calls.on("event", (e) => void callEvents.push(e));
    sup.on("event", (e) => void supEvents.push(e));
    await calls.start();
    await sup.start();
    // a caller (inbound-style Local pair) and an agent phone, bridged in the call's app
    await calls.originate({ endpoint: "Local/s@inbound-stasis", dialplan: { context: "caller-hold", extension: "s" }, otherChannelId: "caller2" });
    await waitFor("the caller in the app", () => callEvents.some((e) => e.type === "StasisStart" && e.channel.id === "caller2"));
    await calls.answer("caller2");
    await calls.originate({ endpoint: "PJSIP/1001", appArgs: ["agent"], channelId: "agent" });
    await waitFor("the agent in the app", () => callEvents.some((e) => e.type === "StasisStart" && e.channel.id === "agent"));
    await calls.createBridge({ bridgeId: "talk" });
    await calls.addChannel("talk", ["caller2", "agent"]);

    await expect(sup.snoop("agent", { spy: "none" })).rejects.toBeInstanceOf(AriInvalidInputError);
    const snoop = await sup.snoop("agent", { spy: "both", appArgs: ["listen", "agent"], snoopId: "snoop-1" });
    expect(snoop).toMatchObject({ id: "snoop-1", state: "Up", dialplan: { app_name: "Stasis", app_data: "cti-supervision,listen,agent" } });
    expect(snoop.name).toMatch(/^Snoop\/agent-[0-9a-f]{8}$/);
    await waitFor("the snoop's StasisStart in the supervision app", () => supEvents.some((e) => e.type === "StasisStart" && e.channel.id === "snoop-1" && e.args.join() === "listen,agent"));
    expect(callEvents.some((e) => e.type === "StasisStart" && e.channel.id === "snoop-1")).toBe(false);
    expect(sim.pbx.snoops()).toMatchObject([{ id: "snoop-1", spiedId: "agent", spy: "both", whisper: "none", app: "cti-supervision" }]);
    await sup.hangup("snoop-1");
    await waitFor("the snoop's StasisEnd", () => supEvents.some((e) => e.type === "StasisEnd" && e.channel.id === "snoop-1"));

    const started = await calls.recordBridge("talk", { name: "call-1", maxDurationSeconds: 60 });
    expect(started).toEqual({ name: "call-1", format: "wav", state: "queued", target_uri: "bridge:talk" });
    await waitFor("RecordingStarted", () => callEvents.some((e) => e.type === "RecordingStarted" && e.recording.name === "call-1"));
    expect((await calls.getLiveRecording("call-1")).state).toBe("recording");
    await expect(calls.recordBridge("talk", { name: "call-2" })).rejects.toBeInstanceOf(Error);
    await calls.stopRecording("call-1");
    await waitFor("RecordingFinished", () => callEvents.some((e) => e.type === "RecordingFinished" && e.recording.state === "done" && typeof e.recording.duration === "number"));
    expect(await calls.listStoredRecordings()).toEqual([{ name: "call-1", format: "wav" }]);
    await expect(calls.recordBridge("talk", { name: "call-1" })).rejects.toBeInstanceOf(AriConflictError);

    const file = await calls.storedRecordingFile("call-1");
    expect(file.contentType).toBe("audio/wav");
    const chunks: Buffer[] = [];
    for await (const c of file.body) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(file.contentLength);
    expect(body.subarray(0, 4).toString("ascii")).toBe("RIFF");
    await expect(calls.storedRecordingFile("nothing-here")).rejects.toBeInstanceOf(AriNotFoundError);

    await calls.deleteStoredRecording("call-1");
    await expect(calls.deleteStoredRecording("call-1")).rejects.toBeInstanceOf(AriNotFoundError);
    expect(await calls.listStoredRecordings()).toEqual([]);
  });
});
