/** What the agent page's Chromium tests share: the browser, logging in, axe-core, the screenshot folder and Carla's call. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, expect } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const ARTIFACTS = path.join(root, "test-artifacts");
const AXE = readFileSync(path.join(root, "node_modules/axe-core/axe.min.js"), "utf8");

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  browser = undefined;
});

/** One headless Chromium for the file, closed after it. */
export async function theBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
  return browser;
}

/** A new page at 1280x800 in a context of its own; its script and console errors go to `problems` (a test ends expecting none). */
export async function deskPage(problems: string[]): Promise<Page> {
  const context = await (await theBrowser()).newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
  return page;
}

/** Logs in on the agent page and waits for the desk's socket; answers the session token the tab keeps. */
export async function agentLogin(page: Page, url: string, id: string, password: string): Promise<string> {
  await page.goto(`${url}/agent`);
  await page.getByLabel("Agent ID").fill(id);
  await page.getByLabel("Password").fill(password);
  await page.keyboard.press("Enter");
  await expect.poll(() => page.locator("#conn").textContent()).toBe("Connected");
  return page.evaluate<string>(`JSON.parse(sessionStorage.getItem("switchboard.agent.session")).token`);
}

/** axe-core's serious and critical WCAG 2.1 A/AA findings (the page's CSP does not apply to evaluate). */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  // a string: this file is compiled without the DOM's types, the page runs it as it is
  const found = (await page.evaluate(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, where: JSON.stringify(v.nodes.map((n) => n.target).slice(0, 3)) })))`)) as Array<{ id: string; impact: string; where: string }>;
  return found.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}) at ${v.where}`);
}

/** Carla Diaz (c-1003): technical support, account number typed. */
export const carla = (channelId: string) => ({
  channelId,
  caller: "5551003",
  callerName: "Carla Diaz",
  did: "800",
  prompts: [
    { prompt: "sound:switchboard/main-menu", after: 0.1, press: "2" },
    { prompt: "sound:switchboard/enter-account", after: 0.1, press: "40011003#" },
  ],
});
