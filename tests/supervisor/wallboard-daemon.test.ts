/**
 * The wallboard on a real daemon, in real Chromium: a supervisor logs in and watches a caller wait and
 * be answered, the numbers coming from the folded event stream and the live queue (no feed of the
 * test's own).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { daemon, setup, stopAll, supportCaller, waitFor } from "../calls/harness.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SESSION_SECRET = "test-session-secret-for-the-wallboard-0123456789";
const WAIT = { timeout: 30_000, interval: 100 };

describe.skipIf(!existsSync(CHROMIUM))("wallboard on a daemon", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  });
  afterAll(() => browser?.close());
  afterEach(stopAll);

  test("a caller waits and is answered: the board follows, from the queue and the folded events", async () => {
    const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }], {}, {
      cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
      supervisors: [{ id: "sup-ana", name: "Ana Ruiz", passwordHash: await hashPassword("ana-password", { N: 1024, r: 8, p: 1 }) }],
    });
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SESSION_SECRET });
    await waitFor("a1 to be available", async () => (await d.queue.status("support")).agents.some((a) => a.state === "available" && a.device === "registered"));
    // a1's phone is busy with another call: a caller has to wait
    s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
    await waitFor("a1's phone in use", async () => (await d.queue.status("support")).agents.some((a) => a.device === "in_use"));

    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${d.url}/wallboard`);
    await page.getByLabel("Supervisor ID").fill("sup-ana");
    await page.getByLabel("Password").fill("ana-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.locator("#live-text").textContent(), WAIT).toBe("Live");
    const value = (key: string) => page.locator(`[data-queue="support"] [data-key="${key}"] .value`).innerText();
    await expect.poll(() => value("waiting"), WAIT).toBe("0");

    const { channelId } = s.sim.control.placeCall(supportCaller("5551003", { hangupAfter: 900 }));
    await expect.poll(() => value("waiting"), WAIT).toBe("1");
    await expect.poll(() => page.locator('[data-queue="support"] .agents li').allTextContents(), WAIT).toContain("1 Available");

    s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    await waitFor("the caller answered", async () => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === channelId), 30_000);
    await expect.poll(() => value("waiting"), WAIT).toBe("0");
    // folded: one offered today, none abandoned; the agent on the call
    await expect.poll(() => page.locator('[data-queue="support"] [data-key="abandon"] .note').innerText(), WAIT).toBe("0 of 1 calls");
    await expect.poll(() => page.locator('[data-queue="support"] .agents li').allTextContents(), WAIT).toContain("1 On call");
    await page.screenshot({ path: "/tmp/wallboard-daemon.png" });
  }, 90_000);
});
