/**
 * The wallboard in real headless Chromium against a real server: log in, the snapshot's numbers on the
 * board, a change shown without a reload, axe-core with no serious or critical violation, and the
 * reconnecting indicator when the server stops streaming (and live again when it is back). Screenshots go
 * to /tmp/wallboard-*.png for a look, never into the repo.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { redisPerFile } from "../setup/redis.js";
import { startBoard, type BoardServer } from "./helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`wallboard browser test skipped: no chromium binary at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WAIT = { timeout: 20_000, interval: 100 };

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** axe-core's WCAG 2.1 A/AA rules and best practices on the page as it is now: the serious and critical findings. */
async function axeProblems(page: Page): Promise<string[]> {
  // evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not stand in the way
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE);
  const { violations, passed } = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(opts: unknown): Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return { violations: result.violations, passed: result.passes.length };
  });
  expect(passed, "axe ran its rules").toBeGreaterThan(10);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
}

const tile = (page: Page, queue: string, key: string) => page.locator(`[data-queue="${queue}"] [data-key="${key}"]`);
/** What the element shows, as one line (cells and blocks apart by a space). */
const text = async (page: Page, selector: string) => (await page.locator(selector).innerText()).replace(/\s+/g, " ").trim();

describe.skipIf(!hasChromium)("wallboard in Chromium", () => {
  const { env, redis } = redisPerFile();
  let board: BoardServer;
  let browser: Browser;

  beforeAll(async () => {
    board = await startBoard(redis(), env.prefix, { limits: { periodMs: 1000 } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await board?.close();
  });

  test("log in, read the board, see a change without a reload; axe finds nothing serious; screenshots", async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => {
      // the wrong password's 401 is logged by Chromium itself; anything else is the page's problem
      if (m.type() === "error" && !m.text().includes("status of 401")) problems.push(m.text());
    });
    const loads: string[] = [];
    page.on("load", () => loads.push(page.url()));

    const answer = await page.goto(`${board.url}/wallboard`);
    expect(answer?.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(answer?.headers()["x-frame-options"]).toBe("DENY");
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: "/tmp/wallboard-login.png" });

    await page.getByLabel("Supervisor ID").fill("sup-ana");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent(), WAIT).toBe("unknown supervisor id or wrong password");
    await page.getByLabel("Password").fill("ana-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.locator("#live-text").textContent(), WAIT).toBe("Live");
    expect(await page.locator("#whoami").textContent()).toBe("Ana Ruiz");

    // the snapshot's numbers, as the board writes them
    await expect.poll(() => text(page, '[data-queue="support"] h2'), WAIT).toBe("Technical support");
    expect(await text(page, '[data-queue="support"] [data-key="waiting"] .value')).toBe("3");
    expect(await text(page, '[data-queue="support"] [data-key="longest"] .value')).toBe("01:05");
    expect(await tile(page, "support", "longest").getAttribute("data-status")).toBe("bad");
    expect(await text(page, '[data-queue="support"] [data-key="longest"] .note')).toBe("✕ Over target: Standard");
    // 82% against the strictest lane's 90%: below, and it says so in words
    expect(await text(page, '[data-queue="support"] [data-key="sl"] .value')).toBe("82%");
    expect(await text(page, '[data-queue="support"] [data-key="sl"] .note')).toBe("✕ Below target (90%)");
    expect(await text(page, '[data-queue="support"] [data-key="staff"] .value')).toBe("13 / 15");
    expect(await text(page, '[data-queue="support"] [data-key="staff"] .note')).toBe("✕ 2 short");
    expect(await text(page, '[data-queue="support"] [data-key="abandon"] .value')).toBe("6%");
    expect(await text(page, '[data-queue="support"] [data-key="abandon"] .note')).toBe("23 of 412 calls");
    expect(await text(page, '[data-queue="support"] [data-key="asa"] .value')).toBe("00:18");
    expect(await text(page, '[data-queue="support"] [data-key="express"] .value')).toBe("93%");
    expect(await text(page, '[data-queue="support"] [data-key="express"] .note')).toBe("4 credits; standard callers wait 3 s longer");
    // a queue nobody called in its sold lane today shows no express tile
    expect(await page.locator('[data-queue="sales"] [data-key="express"]').count()).toBe(0);
    expect(await page.locator('[data-queue="support"] .agents li').allTextContents()).toEqual(["4 Available", "1 Ringing", "6 On call", "2 Wrap-up", "1 Paused"]);
    expect(await text(page, '[data-queue="support"] tr[data-lane="standard"]')).toBe("Standard 2 01:05 Over target 79% Near target 80% in 60 s 330");
    expect(await text(page, '[data-queue="support"] tr[data-lane="express"]')).toBe("Express 1 00:12 Within target 93% On target 90% in 20 s 82");
    expect(await text(page, '[data-queue="sales"] [data-key="sl"] .note')).toBe("✓ On target (90%)");
    expect(await text(page, '[data-queue="sales"] [data-key="staff"] .note')).toBe("✓ 1 spare");
    expect(await text(page, '[data-key="revenue"] .value')).toBe("€12,480");
    expect(await text(page, '[data-key="conversion"] .value')).toBe("17%");
    expect(await text(page, '[data-key="conversion"] .note')).toBe("37 sold of 212 offers");
    expect(await text(page, "#updated")).toBe("14:00:00");
    expect(await text(page, "#day")).toBe("2026-03-02");
    // the charts: one bar pair per interval, the service level's gap where an interval had no calls
    expect(await page.locator('[data-queue="support"] svg rect.offered').count()).toBe(16);
    expect(await page.locator('[data-queue="support"] svg polyline.sl-line').count()).toBe(2);
    expect(await page.locator('[data-queue="support"] svg[role="img"]').first().getAttribute("aria-label")).toMatch(/^Calls per 15 minutes, 10:00 to 14:00: \d+ offered, \d+ answered/);

    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: "/tmp/wallboard-1920.png" });

    // a change in the feed reaches the page without a reload
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    board.feed.change((s) => {
      s.queues[0]!.waiting = 9;
      s.queues[0]!.today.serviceLevel = 0.91;
      s.at += 5000;
    });
    await expect.poll(() => text(page, '[data-queue="support"] [data-key="waiting"] .value'), WAIT).toBe("9");
    expect(await text(page, '[data-queue="support"] [data-key="sl"] .note')).toBe("✓ On target (90%)");
    expect(await tile(page, "support", "sl").getAttribute("data-status")).toBe("ok");
    expect(await text(page, "#updated")).toBe("14:00:05");
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(42);
    expect(loads).toHaveLength(1);

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: "/tmp/wallboard-1280.png" });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: "/tmp/wallboard-390.png", fullPage: true });
    await page.screenshot({ path: "/tmp/wallboard-390-top.png" });
    // the board redraws its panels at each broadcast: a panel replaced while Playwright scrolls to it is scrolled to again
    const lanes = page.locator('[data-queue="support"] .lanes');
    await expect.poll(() => lanes.scrollIntoViewIfNeeded({ timeout: 1000 }).then(() => true, () => false), WAIT).toBe(true);
    await page.screenshot({ path: "/tmp/wallboard-390-lanes.png" });
    expect(problems).toEqual([]);
    await page.close();
  });

  test("the server stops streaming: the page says reconnecting, then live again when it is back", async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${board.url}/wallboard`);
    await page.getByLabel("Supervisor ID").fill("sup-ben");
    await page.getByLabel("Password").fill("ben-password");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#live-text").textContent(), WAIT).toBe("Live");

    // the daemon going away: every stream ends and new ones are refused
    await board.board.stop();
    await expect.poll(() => page.locator("#live-text").textContent(), WAIT).toBe("Reconnecting…");
    expect(await page.locator("#live-state").getAttribute("data-state")).toBe("reconnecting");
    expect(await text(page, '[data-queue="support"] [data-key="waiting"] .value')).not.toBe("");
    await page.screenshot({ path: "/tmp/wallboard-reconnecting.png" });

    board.feed.current.queues[0]!.waiting = 11;
    board.restart();
    await expect.poll(() => page.locator("#live-text").textContent(), WAIT).toBe("Live");
    await expect.poll(() => text(page, '[data-queue="support"] [data-key="waiting"] .value'), WAIT).toBe("11");

    // a stream that stays open but carries nothing (the feed hangs) is noticed too
    board.feed.hold();
    await expect.poll(() => page.locator("#live-text").textContent(), WAIT).toBe("Reconnecting…");
    board.feed.release();
    await expect.poll(() => page.locator("#live-text").textContent(), WAIT).toBe("Live");
    await page.close();
  });
});
