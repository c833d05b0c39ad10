/**
 * The agent's day at the desk, end to end: the daemon and the simulator over real sockets, Redis, and the
 * page in Chromium driven by the keyboard. The pop goes up while the phone rings (and goes again when the
 * ring is missed), the call is held (the simulator hears the caller on music, then back in the bridge),
 * muted (the simulator reports the agent's leg muted in and the caller hearing nothing of the agent, then
 * unmuted), ended; the disposition is saved with a
 * wrap-up code and shows in every tab; a repeat caller who queued meanwhile gets a pop with that call in
 * the history; the call is transferred to the billing queue and reaches the agent working it. The page is
 * checked with axe-core, for focus order, and at 390 px, with screenshots in test-artifacts/.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { hashPassword } from "../../src/cti/password.js";
import { daemon, setup, stopAll, waitFor } from "../calls/harness.js";
import { agentLogin, ARTIFACTS, axeProblems, deskPage, carla, hasChromium, theBrowser } from "./desk-browser.js";

if (!hasChromium) console.warn(`soft-phone desktop test skipped: no chromium binary (set CHROMIUM_PATH)`);
const SESSION_SECRET = "test-session-secret-for-the-softphone-0123456789";

afterEach(stopAll);

const focusedId = (page: Page) => page.evaluate<string>(`document.activeElement?.id ?? ""`);

/** What the caller's channel hears now, as the simulator's media model has it. */
function hearingNow(sim: Awaited<ReturnType<typeof setup>>["sim"], channelId: string): { kind: string; parties?: string[] } | undefined {
  const spans = sim.control.hearing(channelId)?.spans ?? [];
  const last = spans[spans.length - 1];
  if (!last || last.to !== undefined) return undefined;
  return last.kind === "bridged" ? { kind: last.kind, parties: last.parties.map((p) => p.name) } : { kind: last.kind };
}

describe.skipIf(!hasChromium)("the agent's desk: ring-time pop, soft-phone, wrap-up codes, transfer", () => {
  test("by keyboard alone, on the simulator", async () => {
    const base = loadConfig("config/switchboard.yaml", {});
    const s = await setup(
      [
        { id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash: await hashPassword("alex-e2e-password") },
        // works the billing queue on the phone alone: the transfer's target
        { id: "1002", name: "Sam Patel", endpoint: "PJSIP/1002", queues: ["billing"], skills: ["billing"], autoAvailable: true },
      ],
      // a ring lasts 3 s here (30 simulated seconds): long enough to see the pop while it rings
      { ringTimeout: 30 },
      {
        cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
        // wrap-up lasts until the agent says so: the repeat caller queues meanwhile
        queues: Object.fromEntries(Object.entries(base.queues).map(([n, q]) => [n, { ...q, wrapUp: 600 }])),
      },
    );
    // Alex's phone rings but is not picked up at first; Sam's answers
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 5, talkTime: 6000, noAnswerProbability: 1 });
    s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 1, talkTime: 6000 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SESSION_SECRET });
    const redis = s.redis.client();

    const browser = await theBrowser();
    const problems: string[] = [];
    const page = await deskPage(problems);

    // before login: the login form only, no state panel and no state buttons
    await page.goto(`${d.url}/agent`);
    expect(await page.locator("#desk-view").isVisible()).toBe(false);
    expect(await page.getByRole("button", { name: "Available" }).isVisible()).toBe(false);
    expect(await axeProblems(page)).toEqual([]);
    await agentLogin(page, d.url, "1001", "alex-e2e-password");
    // a second tab of the same agent: what is recorded in one shows in the other
    const tab2 = await page.context().newPage();
    await agentLogin(tab2, d.url, "1001", "alex-e2e-password");

    await page.keyboard.press("Alt+Shift+V");
    await expect.poll(() => page.locator("#state-current").textContent()).toBe("Available");
    await waitFor("Alex available in the queue", async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "1001")?.state === "available");

    // ---- call 1: the pop while the phone rings; the ring is missed and the pop goes
    s.sim.control.placeCall(carla("carla-1"));
    const card = page.locator(".card").first();
    await page.getByRole("heading", { name: "Call from Carla Diaz" }).waitFor({ timeout: 20_000 });
    await expect.poll(() => card.locator(".line-state").textContent()).toBe("Ringing");
    expect((await d.queue.status("support")).agents.find((a) => a.agentId === "1001")?.state, "the pop is up while the phone rings").toBe("ringing");
    expect(await page.locator("#state-current").textContent()).toBe("Ringing");
    expect(await page.getByRole("button", { name: "Available" }).isDisabled()).toBe(true);
    await expect.poll(() => page.locator("#announcer").textContent()).toMatch(/^New call from Carla Diaz, ringing\./);
    expect(await page.locator("#announcer").getAttribute("aria-live")).toBe("assertive");
    expect(await card.locator("ol.journey li").allTextContents()).toEqual(["Recognised as Carla Diaz", "Chose technical support", "Typed 8 digits", "Waited in the queue (Standard line)"]);
    expect(await card.getByRole("button", { name: "Hold" }).isDisabled(), "no soft-phone control while the phone rings").toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "agent-pop-ringing-1280.png") });
    await page.locator("#no-call").waitFor({ state: "visible", timeout: 20_000 });
    await expect.poll(() => page.locator("#state-current").textContent()).toBe("Paused");

    // ---- Alex goes available again and the phone is picked up this time
    s.sim.control.updateAgent("PJSIP/1001", { noAnswerProbability: 0 });
    await page.keyboard.press("Alt+Shift+V");
    await expect.poll(() => card.locator(".line-state").textContent(), { timeout: 20_000 }).toBe("On the line");
    const callId = (await card.getAttribute("data-call-id"))!;
    expect(callId).toBe("carla-1");
    await waitFor("caller and Alex bridged", () => hearingNow(s.sim, callId)?.kind === "bridged");
    expect(await page.locator("#state-current").textContent()).toBe("On a call");
    expect(await page.getByRole("button", { name: "Available" }).isDisabled()).toBe(true);
    expect(await page.locator("#state-hint").textContent()).toBe("You are on a call: your state changes when the call ends.");
    await expect.poll(() => card.locator(".timer").textContent()).toMatch(/^\d+:\d\d$/);

    // focus order: the call's controls come first, in reading order, before the state panel
    await page.locator("#calls-title").focus();
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press("Tab");
      order.push(await focusedId(page));
    }
    expect(order).toEqual(["hold", "mute", "end", "to", "transfer"].map((c) => `phone-carla-1-${c}`));
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, "agent-pop-1280.png") });

    // ---- hold: the caller hears the music; resume: back in the bridge with Alex
    await page.keyboard.press("Alt+Shift+H");
    await expect.poll(() => card.locator(".line-state").textContent()).toBe("On hold");
    await waitFor("the caller hearing music on hold", () => hearingNow(s.sim, callId)?.kind === "moh");
    await expect.poll(() => tab2.locator(".card .line-state").first().textContent()).toBe("On hold");
    await page.keyboard.press("Alt+Shift+H");
    await expect.poll(() => card.locator(".line-state").textContent()).toBe("On the line");
    const back = await waitFor("the caller back in the bridge", () => {
      const h = hearingNow(s.sim, callId);
      return h?.kind === "bridged" && h;
    });
    expect(back.parties?.some((p) => p.startsWith("PJSIP/1001"))).toBe(true);

    // ---- mute: ARI mutes the agent's leg `in` (the agent's voice); the caller hears nothing of Alex meanwhile
    const alexLeg = s.sim.pbx.listChannels().find((c) => c.name.startsWith("PJSIP/1001-"))!.id;
    expect(s.sim.control.audio(alexLeg)).toEqual({ muted: { in: false, out: false }, held: false });
    await page.keyboard.press("Alt+Shift+M");
    await expect.poll(() => card.locator(".muted-flag").isVisible()).toBe(true);
    await expect.poll(() => card.locator(".phone + [role=status]").textContent()).toBe("Muted: the caller cannot hear you");
    await waitFor("the simulator reporting Alex's leg muted", () => s.sim.control.audio(alexLeg)?.muted.in === true);
    expect(s.sim.control.audio(alexLeg)?.muted.out, "Alex still hears the caller").toBe(false);
    await waitFor("the caller no longer hearing Alex", () => hearingNow(s.sim, callId)?.kind === "silence");
    await expect.poll(() => tab2.locator(".card .muted-flag").first().isVisible()).toBe(true);
    await page.keyboard.press("Alt+Shift+M");
    await waitFor("the simulator reporting Alex's leg unmuted", () => s.sim.control.audio(alexLeg)?.muted.in === false);
    await waitFor("the caller hearing Alex again", () => hearingNow(s.sim, callId)?.parties?.some((p) => p.startsWith("PJSIP/1001")));
    await expect.poll(() => card.locator(".muted-flag").isVisible()).toBe(false);

    // ---- an offer recorded in this tab shows in the other one
    const offer = card.locator("section.offer", { has: page.getByRole("heading", { name: "Upgrade to the current version" }) });
    await offer.getByRole("button", { name: "Sold" }).focus();
    await page.keyboard.press("Enter");
    const offer2 = tab2.locator("section.offer", { has: tab2.getByRole("heading", { name: "Upgrade to the current version" }) });
    await expect.poll(() => offer2.getByRole("status").textContent()).toBe("Recorded: sold for 49.00 EUR");
    expect(await offer2.getByRole("button", { name: "Sold" }).getAttribute("aria-pressed")).toBe("true");

    // ---- end the call: the line says so; Alex is in wrap-up
    await page.keyboard.press("Alt+Shift+E");
    await expect.poll(() => card.locator(".line-state").textContent()).toBe("Call ended");
    await expect.poll(() => page.locator("#state-current").textContent()).toBe("Wrap-up");
    expect(await card.locator(".phone").isVisible()).toBe(false);

    // ---- Carla calls again while Alex is in wrap-up: her record is read at arrival, before call 1's entry exists
    s.sim.control.placeCall(carla("carla-2"));
    await waitFor("the repeat call queued", async () => (await d.queue.status("support")).callers.some((w) => w.callId === "carla-2"));

    // ---- the disposition by keyboard: notes, then the second wrap-up code; both tabs confirm
    await page.keyboard.press("Alt+Shift+N");
    await page.keyboard.type("printer driver reinstalled");
    await page.keyboard.press("Alt+Shift+2");
    await expect.poll(() => page.locator("#desk-log").textContent()).toBe('Saved "Follow-up needed" for the call from Carla Diaz');
    await expect.poll(() => tab2.locator("#desk-log").textContent()).toBe('Saved "Follow-up needed" for the call from Carla Diaz');
    await expect.poll(() => page.locator(".card").count()).toBe(0);
    expect(await focusedId(page)).toBe("calls-title");

    // ---- available: the repeat call rings with the call just filed in its history
    await page.keyboard.press("Alt+Shift+V");
    const second = page.locator(".card", { has: page.getByRole("heading", { name: "Call from Carla Diaz" }) });
    await second.waitFor({ timeout: 20_000 });
    expect(await second.getAttribute("data-call-id")).toBe("carla-2");
    const firstRow = second.locator("table tbody tr").first();
    expect(await firstRow.locator("td").allTextContents()).toEqual([expect.any(String), "follow-up", "1001", expect.any(String)]);
    await expect.poll(() => second.locator(".line-state").textContent(), { timeout: 20_000 }).toBe("On the line");

    // the pop comes first on a phone-sized screen
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const small = await phone.newPage();
    await agentLogin(small, d.url, "1001", "alex-e2e-password");
    const smallCard = small.locator(".card").first();
    await smallCard.waitFor();
    const box = (await smallCard.boundingBox())!;
    const statePanel = (await small.locator(".panel.state").boundingBox())!;
    expect(box.y).toBeLessThan(844 / 3);
    expect(box.y).toBeLessThan(statePanel.y);
    const controls = (await smallCard.locator(".phone").boundingBox())!;
    expect(controls.y + controls.height, "the phone controls are on the first screen").toBeLessThan(844);
    await small.screenshot({ path: path.join(ARTIFACTS, "agent-pop-390.png") });
    const wide = await small.evaluate<string[]>(`[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391).map((e) => e.tagName + "." + e.className + "#" + e.id).slice(0, 8)`);
    expect(wide, "nothing wider than the screen").toEqual([]);
    expect(await axeProblems(small)).toEqual([]);
    await phone.close();

    // ---- transfer to billing by keyboard: Sam's phone gets the caller, Alex's part is written
    await page.keyboard.press("Alt+Shift+X");
    expect(await page.evaluate<string>("document.activeElement.tagName")).toBe("SELECT");
    // another queue than the caller's is chosen to start with; the arrows go through the list
    expect(await second.locator(".phone select").inputValue()).toBe("queue:billing");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
    expect(await second.locator(".phone select").inputValue()).toBe("queue:billing");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#desk-log").textContent()).toBe("Transferred to Billing");
    await expect.poll(() => page.locator(".card").count()).toBe(0);
    const withSam = await waitFor("the caller bridged with Sam's phone", () => {
      const h = hearingNow(s.sim, "carla-2");
      return h?.kind === "bridged" && h.parties?.some((p) => p.startsWith("PJSIP/1002")) && h;
    }, 20_000);
    expect(withSam.parties?.some((p) => p.startsWith("PJSIP/1001"))).toBe(false);
    await expect.poll(() => page.locator("#state-current").textContent()).toBe("Wrap-up");
    const events = await redis.xrange(d.queue.keys.events, "-", "+");
    const handled = events.map(([, f]) => Object.fromEntries(f.flatMap((v, i, a) => (i % 2 ? [] : [[v, a[i + 1]]])))).filter((e) => e.type === "handled");
    expect(handled.map((e) => [e.callId, e.agentId, e.disposition])).toEqual([
      ["carla-1", "1001", "follow-up"],
      ["carla-2", "1001", "transferred"],
    ]);

    expect(problems).toEqual([]);
    await redis.quit();
    await page.context().close();
  }, 120_000);
});
