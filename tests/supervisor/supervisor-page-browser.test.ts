/**
 * The live calls page (/supervisor) in real headless Chromium on a real daemon and the simulator: a
 * supervisor logs in, sees the call (agent, caller, queue, talking for), works it with the keyboard only
 * (Listen, then Record), sees the outcome announced; once the call is over its recording is in the
 * recorded calls list and downloads with the keyboard; axe-core finds no serious or critical violation; a
 * screenshot goes to test-artifacts/supervisor-live-calls.png (gitignored) for a look.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { daemon, setup, stopAll, supportCaller, waitFor } from "../calls/harness.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SECRET = "test-session-secret-for-the-supervisor-page-0123456789";
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WAIT = { timeout: 30_000, interval: 100 };
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })).violations;
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
}

describe.skipIf(!existsSync(CHROMIUM))("the live calls page in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  });
  afterAll(() => browser?.close());
  afterEach(stopAll);

  test("log in, the call listed, Listen and Record with the keyboard, axe clean, a screenshot", async () => {
    const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }], {}, {
      cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
      supervisors: [{ id: "sup-ana", name: "Ana Ruiz", passwordHash: await hashPassword("ana-password", { N: 1024, r: 8, p: 1 }), phone: "PJSIP/2001" }],
    });
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 900 });
    s.sim.control.addAgent({ endpoint: "PJSIP/2001", answerDelay: 0.2, talkTime: 900 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SECRET });
    await waitFor("a1 available", async () => (await d.queue.status("support")).agents.some((a) => a.state === "available" && a.device === "registered"));
    const { channelId } = s.sim.control.placeCall(supportCaller("5551003", { hangupAfter: 900 }));

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    const answer = await page.goto(`${d.url}/supervisor`);
    expect(answer?.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(answer?.headers()["x-frame-options"]).toBe("DENY");
    expect(await axeProblems(page)).toEqual([]);
    await page.getByLabel("Supervisor ID").fill("sup-ana");
    await page.getByLabel("Password").fill("ana-password");
    await page.keyboard.press("Enter");

    const row = page.locator(`tr[data-call="${channelId}"]`);
    await expect.poll(() => row.count(), WAIT).toBe(1);
    const cells = async () => (await row.locator("th, td").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    await expect.poll(async () => (await cells()).slice(0, 3), WAIT).toEqual(["Agent One", "5551003", "Technical support Standard line"]);
    expect((await cells())[3]).toMatch(/^\d\d:\d\d$/);
    expect(await row.getByRole("button", { name: "Listen to Agent One and 5551003" }).isVisible()).toBe(true);
    expect(await row.getByRole("button", { name: "Whisper to Agent One" }).isVisible()).toBe(true);
    expect(await row.getByRole("button", { name: "Barge in on Agent One and 5551003" }).isVisible()).toBe(true);
    expect(await row.getByRole("button", { name: "Record the call of Agent One and 5551003" }).isVisible()).toBe(true);

    // the keyboard alone: Tab to Listen, Enter
    await page.locator("#logout").focus();
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate<string | null>("document.activeElement?.getAttribute(\"data-action\") ?? null")) === "listen") break;
    }
    expect(await page.evaluate<string | null>("document.activeElement?.getAttribute(\"data-action\") ?? null")).toBe("listen");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#action-status").innerText(), WAIT).toBe("Your phone rings: answer it to listen.");
    await expect.poll(async () => (await cells())[5], WAIT).toBe("Ana Ruiz (listening)");
    await expect.poll(() => row.getByRole("button", { name: /^Listen to/ }).getAttribute("aria-pressed"), WAIT).toBe("true");
    await waitFor("a snoop on the agent's leg", () => s.sim.pbx.snoops().some((x) => x.endedAt === undefined && x.spy === "both"));

    await row.getByRole("button", { name: /^Record the call/ }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await cells())[4], WAIT).toMatch(/^Recording/);
    await expect.poll(() => row.getByRole("button", { name: /^Stop recording/ }).count(), WAIT).toBe(1);
    // the login form is the one login.js builds on both pages: gone once logged in
    expect(await page.locator("#login-view").isHidden()).toBe(true);

    // the call ends: its recording is listed with the recorded calls, and downloads with the keyboard
    s.sim.pbx.hangup(channelId);
    await expect.poll(() => row.count(), WAIT).toBe(0);
    const recorded = page.locator("#recorded-body tr").first();
    const download = recorded.getByRole("button", { name: /^Download the recording of Agent One and 5551003/ });
    await expect.poll(() => download.count(), WAIT).toBe(1);
    const recordedCells = (await recorded.locator("th, td").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    expect(recordedCells.slice(1, 4)).toEqual(["Agent One", "5551003", "Technical support"]);
    expect(recordedCells[4]).toMatch(/^\d\d:\d\d$/);
    await download.focus();
    const saved = page.waitForEvent("download");
    await page.keyboard.press("Enter");
    expect((await saved).suggestedFilename()).toMatch(/^sbrec-.*\.wav$/);
    await expect.poll(() => page.locator("#action-status").innerText(), WAIT).toBe("Recording downloaded.");

    expect(await axeProblems(page)).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("supervisor-live-calls.png", ARTIFACTS).pathname, fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);
});
