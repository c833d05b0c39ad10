/**
 * What an agent records about a call survives a daemon restart in the middle of it: the outcome given
 * before the restart and the disposition sent to the new daemon end up in one history entry.
 */
import { afterEach, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { daemon, setup, stopAll, supportCaller, waitFor } from "./harness.js";

const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
});

test("outcome before a daemon restart, disposition after it: one history entry with both", async () => {
  const passwordHash = await hashPassword("alex-password", { N: 1024, r: 8, p: 1 });
  const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash }], {}, {
    crm: { store: "redis" },
    cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
  });
  const customers = new RedisCustomerStore(s.redis.client(), s.redis.prefix);
  await customers.seed(loadCustomersFile("config/customers.yaml", new Date()));
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const env = { TEST_SESSION_SECRET: SECRET };
  const first = await daemon(s, env);
  const before = await AgentClient.login(first.url, "1001");
  clients.push(before);
  before.send({ type: "state", id: "avail", state: "available" });
  await before.next("ok", (m) => m.id === "avail");

  // Carla: Pro 4.2 installed, so the pop carries the upgrade offer
  const { channelId } = s.sim.control.placeCall(supportCaller("5551003"));
  const { pop } = (await before.next("pop")) as unknown as { pop: { callId: string; offers: Array<{ id: string }> } };
  expect(pop.callId).toBe(channelId);
  const offer = pop.offers[0]!.id;
  before.send({ type: "outcome", id: "o1", callId: channelId, offerId: offer, outcome: "interested" });
  await before.next("ok", (m) => m.id === "o1");
  await before.close();

  await first.stop();
  const second = await daemon(s, env);
  const after = await AgentClient.login(second.url, "1001");
  clients.push(after);
  after.send({ type: "disposition", id: "d1", callId: channelId, disposition: "follow-up", notes: "call back about the upgrade" });
  await after.next("ok", (m) => m.id === "d1");

  const entry = await waitFor("Carla's history entry", async () => (await customers.findById("c-1003"))?.history.find((h) => h.callId === channelId));
  expect(entry).toMatchObject({ agent: "1001", disposition: "follow-up", notes: "call back about the upgrade", offers: [{ offer, outcome: "interested" }] });
  // sent twice, written once
  after.send({ type: "disposition", id: "d2", callId: channelId, disposition: "resolved" });
  await after.next("error", (m) => m.id === "d2");
  expect((await customers.findById("c-1003"))?.history.filter((h) => h.callId === channelId)).toHaveLength(1);
});
