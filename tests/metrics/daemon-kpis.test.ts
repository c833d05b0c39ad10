/**
 * KPIs end to end: calls through the simulator and a real daemon, folded from the stream into the admin
 * API's report, the `switchboard report` verb and Prometheus' /metrics (behind its token).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { ADMIN, daemon, setup, stopAll, supportCaller, waitFor } from "../calls/harness.js";

afterEach(stopAll);
const METRICS_TOKEN = "test-metrics-token";

test("two calls from one customer about one reason and a hang-up in the menu: report, CLI and /metrics agree", async () => {
  const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }], {}, { cti: { dispositionGrace: 0.3 }, metrics: { prometheus: { token: { env: "TEST_METRICS_TOKEN" } } } });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 20 });
  const d = await daemon(s, { TEST_METRICS_TOKEN: METRICS_TOKEN });
  const admin = (path: string) => fetch(`${d.url}/admin${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });

  for (const n of [1, 2]) {
    const { channelId } = s.sim.control.placeCall(supportCaller("5551003"));
    await waitFor(`call ${n} answered`, async () => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === channelId), 30_000);
    // the agent's phone ends the conversation after its talk time; then the caller hangs up
    await waitFor(`call ${n}'s conversation to end`, async () => (await d.queue.events()).filter((e) => e.type === "agent" && e.agentId === "a1" && e.from === "oncall").length === n, 30_000);
    if (s.sim.control.getCall(channelId)?.phase !== "ended") s.sim.pbx.hangup(channelId);
    await s.sim.control.waitForEnd(channelId);
  }
  const menu = s.sim.control.placeCall({ caller: "5551001", did: "800", hangupAfter: 600 });
  await waitFor("the main menu", () => s.sim.control.getCall(menu.channelId)?.heard.some((h) => h.uri === "sound:switchboard/main-menu"));
  s.sim.pbx.hangup(menu.channelId);

  const report = await waitFor("both handled calls and the menu hang-up folded", async () => {
    const r = (await (await admin("/reports?from=today&by=agent")).json()) as { total: Record<string, number>; rows: { key: string; kpis: Record<string, number | null>; scorecard: unknown }[] };
    return r.total.handled === 2 && r.total.calls === 3 ? r : undefined;
  }, 30_000);
  expect(report.total).toMatchObject({ offered: 2, answered: 2, abandoned: 0, contacts: 2, repeats: 1, fcr: 0.5, transferRate: 0 });
  const a1 = report.rows.find((r) => r.key === "a1")!;
  expect(a1.kpis).toMatchObject({ answered: 2, handled: 2, fcr: 0.5 });
  expect(a1.kpis.talkMs).toBeGreaterThan(0);
  expect(a1.scorecard).toBeDefined();
  // talk time is real time: the simulator's 20 s at its time scale are 2 s
  expect(report.total.ahtMs).toBeGreaterThanOrEqual(1_000);

  const csv = await (await admin("/reports?from=today&by=queue&format=csv")).text();
  expect(csv.split("\n")[0]).toMatch(/^queue,offered,answered,abandoned/);
  expect(csv).toMatch(/\nsupport,2,2,0,/);
  const bad = await admin("/reports?from=yesterday-ish");
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({ error: expect.stringMatching(/is not a date/) });

  // the verb reads the same aggregates
  const dir = mkdtempSync(join(tmpdir(), "sb-report-"));
  writeFileSync(join(dir, "c.yaml"), `redis: { url: "${s.config.redis.url}", keyPrefix: "${s.config.redis.keyPrefix}" }\n`);
  const cli = spawnSync(process.execPath, ["bin/switchboard.js", "report", "--from", "today", "--by", "site", "--format", "json", "-c", join(dir, "c.yaml")], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  expect(cli.stderr).toBe("");
  expect(JSON.parse(cli.stdout).total).toMatchObject({ answered: 2, handled: 2, repeats: 1 });

  expect((await fetch(`${d.url}/metrics`)).status).toBe(401);
  const scrape = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(scrape.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await scrape.text();
  // one daemon: it folded every event, so its counters hold them all
  expect(text).toMatch(/^switchboard_queue_calls_total\{queue="support",lane="standard",outcome="answered"\} 2$/m);
  expect(text).toMatch(/^switchboard_calls_total\{outcome="ivr-hangup"\} 1$/m);
  expect(text).toMatch(/^switchboard_queue_wait_seconds_count\{queue="support",lane="standard",outcome="answered"\} 2$/m);
  expect(text).toMatch(/^switchboard_agents\{queue="support",state="available"\} 1$/m);
  expect(text).toMatch(/^switchboard_queue_waiting_callers\{queue="support",lane="express"\} 0$/m);
  expect(text).toMatch(/^switchboard_events_folder 1$/m);
}, 90_000);
