import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { enrichCustomer } from "../../src/crm/customer.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { composePop } from "../../src/cti/pop.js";
import { offerCallSchema } from "../../src/offers/context.js";
import { loadOffers } from "../../src/offers/load.js";
import { rankOffers } from "../../src/offers/rank.js";
import { testRedis } from "../setup/redis.js";
import { startDesk, testAgents, type Desk } from "./helpers.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`agent desktop browser test skipped: no chromium binary at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

const XSS_NAME = "<img src=x onerror=alert(1)>";

/** The pop for demo customer Carla Diaz (Pro 4.2 while 5.0 is current), calling with a hostile caller-id name. */
function carlasPop() {
  const now = new Date();
  const carla = loadCustomersFile(path.join(root, "config/customers.yaml"), now).find((c) => c.id === "c-1003")!;
  const view = enrichCustomer(carla, now);
  const rules = loadOffers(path.join(root, "config/offers.yaml"));
  if (!rules.ok) throw new Error("the shipped offers do not load");
  const offers = rankOffers(rules.rules, { customer: view, call: offerCallSchema.parse({ callerNumber: carla.phones[0] }), vars: {} }, { capsUsed: {} });
  return composePop({
    call: { callId: "call-browser-1", callerNumber: carla.phones[0]!, callerName: XSS_NAME },
    customer: view,
    lane: { id: "express", config: { displayName: "Priority line", headStart: 300, priorityBoost: 0, sla: { seconds: 20, percent: 80 } } },
    queue: { id: "support" },
    path: [
      { node: "main:welcome", type: "play" },
      { node: "main:menu", type: "menu", choice: "2", label: "Technical problem" },
    ],
    vars: {},
    reason: "technical",
    waitMs: 17_000,
    offers,
  });
}

describe.skipIf(!hasChromium)("agent desktop in Chromium", () => {
  let redis: Redis;
  let desk: Desk;
  let browser: Browser;

  beforeAll(async () => {
    redis = testRedis().client();
    desk = await startDesk(redis, testRedis().prefix, await testAgents());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await desk?.close();
    await redis?.quit();
  });

  test("log in, go available, a hostile caller name renders as text, offer facts show, Sold reaches onOfferOutcome", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const dialogs: string[] = [];
    const problems: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));

    await page.goto(`${desk.url}/agent`);
    await page.getByLabel("Agent ID").fill("1001");
    await page.getByLabel("Password").fill("alex-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.locator("#conn").textContent()).toBe("Connected");
    await expect.poll(() => page.locator("#whoami").textContent()).toBe("Alex Morgan (1001)");

    await page.getByRole("button", { name: "Available" }).click();
    await expect.poll(() => page.locator("#state-current").textContent()).toBe("Available");
    expect(desk.recorded.states).toEqual([["1001", { to: "available" }]]);

    const pop = carlasPop();
    const upgrade = pop.offers.find((o) => o.id === "upgrade-outdated-version");
    expect(upgrade, "the demo customer with an outdated version gets the upgrade offer").toBeDefined();
    await desk.hub.pushPop("1001", pop);

    const heading = page.getByRole("heading", { name: `Call from ${XSS_NAME}` });
    await heading.waitFor();
    expect(await heading.textContent()).toContain(XSS_NAME);
    expect(await page.locator("#cards img").count()).toBe(0);
    await expect.poll(() => page.locator("#announcer").textContent()).toBe(`New call from ${XSS_NAME}, express lane. Alt+Shift+C goes to it.`);
    await expect.poll(() => desk.recorded.acks).toEqual([["1001", "call-browser-1"]]);
    expect(await page.locator(".card .badge").textContent()).toBe("Express · Priority line");
    expect(await page.locator(".card").textContent()).toContain("Carla Diaz (c-1003)");

    const offer = page.locator("section.offer", { has: page.getByRole("heading", { name: upgrade!.title }) });
    expect(await offer.locator(".offer-facts li").allTextContents()).toEqual(upgrade!.facts);
    expect(await offer.locator(".offer-facts").textContent()).toContain("Pro 4.2 installed, 5.0 current");
    await offer.getByRole("button", { name: "Sold" }).click();
    await expect.poll(() => offer.getByRole("status").textContent()).toMatch(/^Recorded: sold for/);
    expect(desk.recorded.outcomes).toEqual([["1001", { callId: "call-browser-1", offerId: "upgrade-outdated-version", outcome: "sold", amount: upgrade!.value }]]);

    mkdirSync(path.join(root, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: path.join(root, "test-artifacts/agent-pop.png"), fullPage: true });

    // the disposition takes the call off the desk
    await page.getByLabel("Notes").fill("upgraded to 5.0");
    await page.getByRole("button", { name: "Save disposition" }).click();
    await expect.poll(() => page.locator("#no-call").isVisible()).toBe(true);
    expect(desk.recorded.dispositions).toEqual([["1001", { callId: "call-browser-1", disposition: "resolved", notes: "upgraded to 5.0" }]]);

    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a reload keeps the session and gets the pop on the desk again; a queue-side wrap-up shows its countdown", async () => {
    const page = await browser.newPage();
    await page.goto(`${desk.url}/agent`);
    await page.getByLabel("Agent ID").fill("1002");
    await page.getByLabel("Password").fill("sam-password");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#conn").textContent()).toBe("Connected");
    await desk.hub.pushPop("1002", { ...carlasPop(), callId: "call-browser-2", callerName: "Ben" });
    await page.getByRole("heading", { name: "Call from Ben" }).waitFor();

    await page.reload();
    await page.getByRole("heading", { name: "Call from Ben" }).waitFor();
    await desk.hub.sendState("1002", { state: "wrapup", wrapUpUntil: Date.now() + 60_000 });
    await expect.poll(() => page.locator("#wrapup").textContent()).toMatch(/^Wrap-up: \d+ s left$/);
    expect(await page.locator("#state-current").textContent()).toBe("Wrap-up");
    await page.close();
  });
});
