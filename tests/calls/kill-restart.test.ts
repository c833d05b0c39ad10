/**
 * A crash with a full house: the daemon runs as its own process (`switchboard start -c <file>`) with
 * 200 callers sitting in the main menu of the shipped main tree, is killed with SIGKILL (no shutdown
 * code runs), and a second daemon started on the same config resumes every caller still in Stasis
 * from the sessions in Redis: each hears the main menu again and nobody is dropped.
 */
import { afterEach, expect, test } from "vitest";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { waitFor } from "./harness.js";
import { processRig, type ProcessRig } from "./process-rig.js";

const CALLERS = 200;
const MENU = "sound:switchboard/main-menu";

let rig: ProcessRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const menus = (r: CallRecord | undefined) => (r?.heard ?? []).filter((h) => h.uri === MENU).length;

test("kill -9 with 200 callers in the menu: the restarted daemon plays the menu to every one of them again", async ({ annotate }) => {
  // the shipped main menu waits 5 s for a key and would replay by itself (no-input retry) while 200 calls
  // are set up, hiding whether the restart did: here it waits an hour
  rig = await processRig({ mainTree: (doc) => doc.setIn(["nodes", "main-menu", "timeout"], 3600) });
  const { sim, sessions: store } = rig;
  const first = await rig.start();

  // unknown numbers (not in config/customers.yaml) who press nothing and would stay for an hour of sim time
  const ids = Array.from({ length: CALLERS }, (_, i) => sim.control.placeCall({ caller: `555700${String(i).padStart(3, "0")}`, did: "800", hangupAfter: 3600 }).channelId);
  const allHeard = (n: number) => ids.every((id) => menus(sim.control.getCall(id)) === n);
  await waitFor(`all ${CALLERS} callers to hear the main menu`, () => allHeard(1), 30_000);
  await waitFor(`${CALLERS} sessions in the main menu in Redis`, async () => {
    const sessions = await store.list("sim");
    return sessions.length === CALLERS && sessions.every((x) => x.engine.node === "main#main-menu");
  });

  // the crash: no drain, no goodbye; the PBX keeps the channels in the (now inactive) Stasis app
  await rig.end(first, "SIGKILL");
  expect(sim.pbx.getApp("switchboard")?.channelIds).toEqual([...ids].sort());

  const restartedAt = Date.now();
  const second = await rig.start();
  const readyAt = Date.now();
  await waitFor(`all ${CALLERS} callers to hear the main menu again`, () => allHeard(2), 30_000);
  await annotate(`second daemon ready ${readyAt - restartedAt} ms after spawn; all ${CALLERS} callers heard the menu again ${Date.now() - readyAt} ms later`);

  // nobody was dropped or sent to the fallback: all still in the app, each with its session
  const records = ids.map((id) => sim.control.getCall(id)!);
  expect(records.filter((x) => x.phase === "ended" || x.hangup !== undefined)).toEqual([]);
  expect(records.filter((x) => x.heard.some((h) => h.uri === "sound:switchboard/please-hold"))).toEqual([]);
  expect(sim.pbx.getApp("switchboard")).toMatchObject({ active: true, channelIds: [...ids].sort() });
  expect((await store.list("sim")).map((x) => x.callId).sort()).toEqual([...ids].sort());

  // SIGTERM: a clean exit, and the sessions stay in Redis for the next daemon
  await rig.end(second, "SIGTERM");
  expect((await store.list("sim")).length).toBe(CALLERS);
}, 90_000);
