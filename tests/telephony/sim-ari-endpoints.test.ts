/**
 * AriGateway's endpoint operations against the PBX simulator: `listEndpoints`, `subscribe` to an
 * endpoint, and the typed `EndpointStateChange` events of a phone registering, being called and
 * unregistering.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { AriGateway, AriRequestError, type AriGatewayEvents } from "../../src/telephony/ari/index.js";
import { captureLog } from "./helpers/log.js";
import { waitFor } from "./helpers/wait.js";

let sim: Simulator | undefined;
let gw: AriGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await sim?.stop();
  gw = sim = undefined;
});

describe("AriGateway endpoints", () => {
  it("lists endpoints, subscribes to one and types its EndpointStateChange events", async () => {
    sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.1 });
    sim.pbx.addEndpoint({ tech: "PJSIP", resource: "1001", online: false, answerAfterMs: 100, hangupAfterMs: 100 });
    sim.pbx.addEndpoint({ tech: "PJSIP", resource: "trunk", staticContact: "sip:127.0.0.2:5060" });
    gw = new AriGateway({
      serverId: "sim1",
      url: sim.ariUrl,
      username: "cti",
      password: "cti",
      app: "cti",
      connectTimeoutMs: 3000,
      requestTimeoutMs: 2000,
      heartbeatIntervalMs: 500,
      heartbeatMisses: 2,
      reconnect: { initialDelayMs: 50, maxDelayMs: 300, jitter: 0.5 },
      logger: captureLog().logger,
    });
    const changes: Array<AriGatewayEvents["EndpointStateChange"]> = [];
    gw.on("EndpointStateChange", (e) => void changes.push(e));
    await gw.start();

    expect(await gw.listEndpoints()).toEqual([
      { technology: "PJSIP", resource: "1001", state: "offline", channel_ids: [] },
      { technology: "PJSIP", resource: "trunk", state: "online", channel_ids: [] },
    ]);
    expect(await gw.listEndpoints("PJSIP")).toHaveLength(2);
    await expect(gw.listEndpoints("Local")).rejects.toBeInstanceOf(AriRequestError);
    const app = await gw.subscribe(["endpoint:PJSIP/1001"]);
    expect(app.endpoint_ids).toEqual(["PJSIP/1001"]);
    await expect(gw.subscribe(["endpoint:PJSIP/9999"])).rejects.toMatchObject({ status: 422 });

    sim.pbx.registerEndpoint("PJSIP", "1001");
    await waitFor("online", () => changes.some((e) => e.endpoint.state === "online"));
    // a call to the phone: its channel shows in the endpoint's channel_ids, then goes
    sim.pbx.originate({ endpoint: "PJSIP/1001", application: "Wait", data: "1" });
    await waitFor("a channel on the endpoint", () => changes.some((e) => e.endpoint.channel_ids.length === 1));
    await waitFor("the channel gone", () => changes.at(-1)?.endpoint.channel_ids.length === 0);
    sim.pbx.unregisterEndpoint("PJSIP", "1001");
    await waitFor("offline", () => changes.at(-1)?.endpoint.state === "offline");
    expect(changes.every((e) => e.serverId === "sim1" && e.endpoint.technology === "PJSIP" && e.endpoint.resource === "1001")).toBe(true);
  });
});
