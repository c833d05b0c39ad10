/**
 * Issue 6's end-to-end path in a real browser: an agent logs in to the daemon's /agent page and goes
 * available, a demo customer with an outdated version calls through the simulator, the agent's phone
 * answers, the pop shows the upgrade offer with its reason, "Sold" becomes a signed sale job that reaches
 * a webhook on loopback.
 */
import { existsSync, mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { verifySignature } from "../../src/jobs/index.js";
import { daemon, setup, stopAll, waitFor } from "./harness.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`end-to-end desktop test skipped: no chromium binary at ${CHROMIUM}`);
const SALES_SECRET = "test-sales-webhook-secret";
const SESSION_SECRET = "test-session-secret-for-the-e2e-desktop-0123456789";

let browser: Browser | undefined;
let webhook: http.Server | undefined;
afterEach(stopAll);
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (webhook ? webhook.close(r) : r(undefined)));
});

/** A sales webhook on loopback that keeps what arrives with a valid signature. */
async function salesWebhook(): Promise<{ url: string; received: Array<{ event: string; body: Record<string, unknown> }> }> {
  const received: Array<{ event: string; body: Record<string, unknown> }> = [];
  webhook = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      if (!verifySignature(raw, req.headers["x-switchboard-signature"] as string | undefined, SALES_SECRET)) {
        res.writeHead(401).end();
        return;
      }
      received.push({ event: String(req.headers["x-switchboard-event"]), body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhook!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/sales`, received };
}

describe.skipIf(!hasChromium)("agent desktop end to end", () => {
  test("login, available, a call from Carla pops with the upgrade offer, Sold reaches the sales webhook", async () => {
    const hook = await salesWebhook();
    const s = await setup(
      [{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash: await hashPassword("alex-e2e-password") }],
      {},
      {
        cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
        jobs: { webhooks: { sales: { url: hook.url, secretEnv: "TEST_SALES_SECRET" } }, backoff: { delayMs: 100 } },
      },
    );
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.3, talkTime: 600 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SESSION_SECRET, TEST_SALES_SECRET: SALES_SECRET });

    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${d.url}/agent`);
    await page.getByLabel("Agent ID").fill("1001");
    await page.getByLabel("Password").fill("alex-e2e-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.locator("#conn").textContent()).toBe("Connected");
    await page.getByRole("button", { name: "Available" }).click();
    await waitFor("the agent to be available in the queue", async () => (await d.queue.status("support")).agents[0]?.state === "available");

    // Carla Diaz: Pro 4.2 installed while 5.0 is current; she asks for technical support
    s.sim.control.placeCall({
      caller: "5551003",
      callerName: "Carla Diaz",
      did: "800",
      prompts: [
        { prompt: "sound:switchboard/main-menu", after: 0.1, press: "2" },
        { prompt: "sound:switchboard/enter-account", after: 0.1, press: "40011003#" },
      ],
    });
    await page.getByRole("heading", { name: "Call from Carla Diaz" }).waitFor({ timeout: 20_000 });
    const card = page.locator(".card");
    expect(await card.textContent()).toContain("Carla Diaz (c-1003)");
    expect(await card.textContent()).toContain("technical support");
    const offer = page.locator("section.offer", { has: page.getByRole("heading", { name: "Upgrade to the current version" }) });
    expect(await offer.locator(".offer-facts").textContent()).toContain("Pro 4.2 installed, 5.0 current");
    mkdirSync(path.resolve("test-artifacts"), { recursive: true });
    await page.screenshot({ path: path.resolve("test-artifacts/agent-pop-e2e.png"), fullPage: true });

    await offer.getByRole("button", { name: "Sold" }).click();
    const sale = await waitFor("the sale at the webhook", () => hook.received.find((r) => r.event === "sale"), 20_000);
    expect(sale.body).toMatchObject({ kind: "sale", data: { offer: { id: "upgrade-outdated-version" }, customer: { id: "c-1003" }, agent: { id: "1001" }, currency: "EUR" } });
    expect(problems).toEqual([]);
    await page.close();
  });
});
