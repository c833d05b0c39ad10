/**
 * Fidelity of the simulator's endpoints and system name over ARI, against the second batch of
 * recordings (shared/asterisk-fixtures, "second batch": PJSIP endpoints, systemname `pbx1`):
 * - ari-rest/get-endpoints: the endpoint list, one technology, one endpoint, the 404s;
 * - ari-rest/get-asterisk-info-systemname: `config.name`;
 * - ari-ws/ws-12: an app subscribed to `endpoint:PJSIP/1002` while the phone registers and unregisters
 *   (the timeline's notes say when: the replay registers the simulated phone at those moments);
 * - ari-ws/ws-15: server-chosen channel ids `pbx1-<epoch>.<n>`, client ids, bridge and playback ids as given.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { httpRequest, readJsonl, replayWsScenario, type WsRecord } from "./ari-replay.js";
import { restProblems, wsProblems, type RestRecord } from "./replay-compare.js";
import { configureEndpoints, idShape, SECOND_BATCH } from "./second-batch.js";

const TIME_SCALE = 0.25;

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function secondBatchSimulator(timeScale = TIME_SCALE): Promise<Simulator> {
  sim = await startSimulator({ users: { rec: "rec" }, ...SECOND_BATCH, timeScale });
  configureEndpoints(sim.pbx);
  return sim;
}

async function replayRest(s: Simulator, file: string): Promise<string[]> {
  const problems: string[] = [];
  for (const rec of readJsonl<RestRecord>(`ari-rest/${file}`)) {
    const res = await httpRequest(s.ariUrl, rec.method, rec.path, { auth: rec.auth });
    problems.push(...restProblems(rec, res));
  }
  return problems;
}

describe("second batch: ARI REST", () => {
  it("get-endpoints: online (registered or a static contact), offline (never registered), 404s", async () => {
    const s = await secondBatchSimulator();
    expect((await replayRest(s, "get-endpoints.jsonl")).join("\n\n")).toBe("");
  });

  it("get-asterisk-info-systemname: config.name is the systemname", async () => {
    const s = await secondBatchSimulator();
    expect((await replayRest(s, "get-asterisk-info-systemname.jsonl")).join("\n\n")).toBe("");
  });
});

describe("second batch: ARI WebSocket timelines", () => {
  it("ws-12-endpoint-register-unregister: endpoint subscription, registration and unregistration events", async () => {
    const s = await secondBatchSimulator();
    const records = readJsonl<WsRecord>("ari-ws/ws-12-endpoint-register-unregister.jsonl");
    // the contact baresip registered and the round trip of its qualify, as recorded
    const reachable = records.find((r) => r.frame?.type === "ContactStatusChange" && (r.frame.contact_info as { contact_status: string }).contact_status === "Reachable");
    const info = reachable!.frame!.contact_info as { uri: string; roundtrip_usec: string };
    const out = await replayWsScenario("ws-12-endpoint-register-unregister.jsonl", s.ariUrl, TIME_SCALE, 4000, {
      onNote: (text) => {
        if (/^starting baresip/.test(text)) s.pbx.registerEndpoint("PJSIP", "1002", { contact: info.uri, roundtripUsec: Number(info.roundtrip_usec) });
        if (/^stopping baresip/.test(text)) s.pbx.unregisterEndpoint("PJSIP", "1002");
      },
    });
    expect(wsProblems(out).join("\n\n")).toBe("");
  });

  it("ws-15-systemname-ids: server-chosen channel ids carry the systemname, other ids do not", async () => {
    const s = await secondBatchSimulator();
    const out = await replayWsScenario("ws-15-systemname-ids.jsonl", s.ariUrl, TIME_SCALE);
    expect(wsProblems(out).join("\n\n")).toBe("");
    // the comparison maps ids: their shapes must match too (pbx1-<epoch>.<n>, UUIDs, the client's own)
    const pairs = out.idMap.pairs();
    expect(pairs.length).toBeGreaterThanOrEqual(5);
    expect(pairs.map(([, simId]) => idShape(simId))).toEqual(pairs.map(([recId]) => idShape(recId)));
    expect(pairs.map(([, simId]) => simId)).toEqual(expect.arrayContaining(["my-own-id-1", "my-own-id-2"]));
  });
});

