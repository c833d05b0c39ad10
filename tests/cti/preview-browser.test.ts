/**
 * Preview pacing on the agent's page, in Chromium, by keyboard alone: the daemon and the simulator over real
 * sockets, Redis. A preview campaign with two members puts the first on the desk before anything is dialled:
 * the card says "Preview: call or skip" with a countdown, the campaign's title and pitch, Call and Skip,
 * the live-call controls disabled; the page is axe-clean and the card is on the first screen at 390 px.
 * Alt+Shift+S skips it (the card goes, the desk log says so, the number is never dialled); the second
 * member's card comes, Alt+Shift+D rings the agent's phone, then the customer, who presses 1: "On the line".
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { hashPassword } from "../../src/cti/password.js";
import { AudienceIndex } from "../../src/outbound/audience-store.js";
import { everyDay, openWindow, outboundAdmin } from "../calls/campaign-rig.js";
import { daemon, setup, stopAll, waitFor } from "../calls/harness.js";
import { agentLogin, ARTIFACTS, axeProblems, deskPage, hasChromium, theBrowser } from "./desk-browser.js";

if (!hasChromium) console.warn(`preview desktop test skipped: no chromium binary (set CHROMIUM_PATH)`);
const SESSION_SECRET = "test-session-secret-for-the-previews-0123456789";
const NUM: Record<string, string> = { "Ann Arendt": "+4930222001", "Ben Brandt": "+4930222002" };
const dir = mkdtempSync(path.join(tmpdir(), "sb-preview-page-"));

afterEach(stopAll, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two customers who called support: the campaign's audience. */
function customersFile(): string {
  const one = ([name, phone]: [string, string], i: number) =>
    `  - id: c-${i}\n    name: ${name}\n    phones: ["${phone}"]\n    tier: standard\n    history: [{ at: "-2d", queue: support, lane: standard, waitSeconds: 30, agent: "1001", disposition: resolved, reason: technical support }]\n`;
  const file = path.join(dir, "customers.yaml");
  writeFileSync(file, "customers:\n" + Object.entries(NUM).map(one).join(""));
  return file;
}

/** Every state the card of `callId` shows on its line, in order (a MutationObserver: no state is missed between polls). */
async function recordLineStates(page: Page, callId: string): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (window.__lineStates = []);
    const note = () => {
      const t = document.querySelector('.card[data-call-id="${callId}"] .line-state')?.textContent;
      if (t && seen.at(-1) !== t) seen.push(t);
    };
    new MutationObserver(note).observe(document.getElementById("cards"), { subtree: true, childList: true, characterData: true });
    note();
  })()`);
}

describe.skipIf(!hasChromium)("preview pacing on the agent's desk", () => {
  test("by keyboard: a card before any dial, Skip never dials, Call rings the agent then the customer", async () => {
    const file = customersFile();
    const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash: await hashPassword("preview-password", { N: 1024, r: 8, p: 1 }) }],
      // the agent's phone may ring for 6 s (60 simulated seconds) before the attempt counts as unanswered
      { ringTimeout: 60 },
      {
      cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
      crm: { store: "file", file, timeoutMs: 1500 },
      outbound: { compliance: { callingHours: { default: { hours: everyDay(), closedOnHolidays: false } } }, campaigns: { tickSeconds: 0.2 } },
    });
    // the agent's phone answers by itself after a moment; the customer answers and presses 1 to be put through
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 1, talkTime: 6000 });
    for (const number of Object.values(NUM)) s.sim.control.addCustomer({ number, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SESSION_SECRET });
    const post = outboundAdmin(d.url);
    const admin = (p: string, body?: unknown) => post("POST", p, body ?? {});
    const index = new AudienceIndex(s.redis.client(), s.redis.prefix);
    expect(await index.indexCustomers(loadCustomersFile(file, new Date()))).toBe(2);
    expect((await admin("/audiences", { id: "support-callers", name: "Support callers", condition: 'calls.exists(c, c.reason == "technical support")', since: "30d" })).status).toBe(201);

    // ---- 1. the agent logs in and goes available; the campaign starts
    const browser = await theBrowser();
    const problems: string[] = [];
    const page = await deskPage(problems);
    await agentLogin(page, d.url, "1001", "preview-password");
    await page.keyboard.press("Alt+Shift+V");
    await expect.poll(() => page.locator("#state-current").textContent()).toBe("Available");
    const window = openWindow();
    // a minute to choose: long enough that the preview does not time out while the page is checked
    const campaign = { id: "pv", name: "Pro 5", audience: "support-callers", queue: "support", script: { title: "Pro 5.0 upgrade", pitch: "Free migration" }, window, pacing: "preview", previewSeconds: 60 };
    expect((await admin("/campaigns", campaign)).status).toBe(201);
    expect((await admin("/campaigns/pv/start")).body.campaign).toMatchObject({ state: "running", members: 2 });

    // ---- 2. the first card: in preview, nothing dialled
    const first = page.locator(".card").first();
    await expect.poll(() => first.locator(".line-state").textContent(), { timeout: 20_000 }).toBe("Preview: call or skip");
    const skippedId = (await first.getAttribute("data-call-id"))!;
    // which member came first is the campaign's business: the card's summary names them
    const summary = (await first.locator(".summary").textContent()) ?? "";
    const skippedName = Object.keys(NUM).find((n) => summary.startsWith(`${n}, standard`))!;
    expect(skippedName, summary).toBeTruthy();
    // a campaign's card names the customer and says what kind of call it is; nobody waited for it
    expect(await first.locator("h3").textContent()).toMatch(new RegExp(`^Campaign call to ${skippedName}Campaign`));
    expect(await first.textContent()).not.toContain("since first calling");
    const timer = first.locator(".timer");
    const shown = (await timer.textContent())!;
    expect(shown).toMatch(/^[01]:\d\d left$/);
    // the countdown runs
    await expect.poll(() => timer.textContent(), { timeout: 5_000 }).not.toBe(shown);
    expect(await timer.textContent()).toMatch(/^0:\d\d left$/);
    expect(await first.locator(".purpose").textContent()).toBe("Pro 5.0 upgrade");
    expect(await first.locator(".pitch").textContent()).toBe("Free migration");
    for (const el of [first.locator(".purpose"), first.locator(".pitch")]) expect(await el.isVisible()).toBe(true);
    const key = (k: string) => first.locator(`button[aria-keyshortcuts="Alt+Shift+${k}"]`);
    for (const k of ["D", "S"]) {
      expect(await key(k).isVisible(), `Alt+Shift+${k} visible`).toBe(true);
      expect(await key(k).isEnabled(), `Alt+Shift+${k} enabled`).toBe(true);
    }
    expect(await key("D").textContent()).toBe("CallAlt+Shift+D");
    expect(await key("S").textContent()).toBe("SkipAlt+Shift+S");
    for (const k of ["H", "M", "E"]) expect(await key(k).isDisabled(), `Alt+Shift+${k} disabled`).toBe(true);
    for (const number of Object.values(NUM)) expect(s.sim.control.customerCalls(number)).toEqual([]);
    expect(await axeProblems(page)).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "agent-preview-1280.png") });

    // the same desk on a phone-sized screen (another tab): the card and its Call/Skip on the first screen
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const small = await phone.newPage();
    await agentLogin(small, d.url, "1001", "preview-password");
    const smallCard = small.locator(".card").first();
    await expect.poll(() => smallCard.locator(".line-state").textContent()).toBe("Preview: call or skip");
    const box = (await smallCard.boundingBox())!;
    expect(box.y, "the card starts on the first screen").toBeLessThan(844);
    const controls = (await smallCard.locator(".phone").boundingBox())!;
    expect(controls.y + controls.height, "Call and Skip on the first screen").toBeLessThan(844);
    const wide = await small.evaluate<string[]>(`[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391).map((e) => e.tagName + "." + e.className + "#" + e.id).slice(0, 8)`);
    expect(wide, "nothing wider than the screen").toEqual([]);
    expect(await axeProblems(small)).toEqual([]);
    await small.screenshot({ path: path.join(ARTIFACTS, "agent-preview-390.png") });
    await phone.close();

    // ---- 3. Alt+Shift+S: the card goes, the log says so, the number is never dialled
    await page.keyboard.press("Alt+Shift+S");
    await expect.poll(() => page.locator(`.card[data-call-id="${skippedId}"]`).count()).toBe(0);
    await expect.poll(() => page.locator("#desk-log").textContent()).toBe(`Skipped: ${skippedName} is not called`);

    // ---- 4. the other member's card; Alt+Shift+D rings the agent's phone, then the customer's
    const calledName = Object.keys(NUM).find((n) => n !== skippedName)!;
    const second = page.locator(".card").first();
    await expect.poll(() => second.locator(".summary").textContent(), { timeout: 20_000 }).toMatch(new RegExp(`^${calledName}, standard`));
    await expect.poll(() => second.locator(".line-state").textContent()).toBe("Preview: call or skip");
    expect(await page.locator(".card").count()).toBe(1);
    const calledId = (await second.getAttribute("data-call-id"))!;
    expect(s.sim.control.customerCalls(NUM[calledName])).toEqual([]);
    await recordLineStates(page, calledId);
    await page.keyboard.press("Alt+Shift+D");
    const card = page.locator(`.card[data-call-id="${calledId}"]`);
    await expect.poll(() => card.locator(".line-state").textContent(), { timeout: 20_000 }).toBe("On the line");
    expect(await page.evaluate<string[]>("window.__lineStates")).toEqual(["Preview: call or skip", "Ringing", "On the line"]);
    await waitFor("the customer put through", () => s.sim.control.customerCalls(NUM[calledName]).find((r) => r.dtmf.some((k) => k.digit === "1")));
    expect(s.sim.control.customerCalls(NUM[calledName]).map((r) => r.outcome)).toEqual(["answered"]);
    expect(await card.locator("button[aria-keyshortcuts='Alt+Shift+E']").isEnabled()).toBe(true);
    expect(await card.locator("button[aria-keyshortcuts='Alt+Shift+D']").isVisible()).toBe(false);
    // the skipped member was never dialled, not even later
    expect(s.sim.control.customerCalls(NUM[skippedName])).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);
});
