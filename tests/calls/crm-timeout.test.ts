/**
 * A CRM that does not answer never strands a caller: the lookup gives up after crm.timeoutMs and the
 * tree's onError path runs. Here a gold customer, who would go straight to the express lane, hears the
 * main menu instead, with no more than the timeout added to the call.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, test } from "vitest";
import { daemon, setup, stopAll, waitFor } from "./harness.js";

let crm: http.Server | undefined;
afterEach(async () => {
  await stopAll();
  crm?.closeAllConnections();
  await new Promise((r) => (crm ? crm.close(r) : r(undefined)));
});

test("a CRM that hangs: the lookup times out and the caller takes the tree's error path to the main menu", async () => {
  let asked = 0;
  // accepts the request and never answers
  crm = http.createServer(() => void asked++);
  await new Promise<void>((r) => crm!.listen(0, "127.0.0.1", r));
  const baseUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;
  const s = await setup([], {}, { crm: { store: "http", timeoutMs: 300, http: { baseUrl, timeoutMs: 20_000 } } });
  const d = await daemon(s);
  const { channelId } = s.sim.control.placeCall({ caller: "5551005", did: "800", hangupAfter: 600 });
  const heard = () => (s.sim.control.getCall(channelId)?.heard ?? []).map((h) => h.uri);
  await waitFor("the main menu", () => heard().includes("sound:switchboard/main-menu"));
  expect(asked).toBeGreaterThan(0);
  expect(heard()).not.toContain("sound:switchboard/express-welcome");
  expect(d.calls.list()).toEqual([expect.objectContaining({ callId: channelId, node: "main#main-menu" })]);
});
