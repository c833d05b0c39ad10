/**
 * Accept, consultation and transfer to a named agent from the agent's page, by keyboard alone, in Chromium: the
 * daemon and the simulator over real sockets, Redis.
 *
 * Alex's phone takes remote answers and does not pick up by itself: Alt+Shift+A answers it from the page (the
 * simulator's phone gets the NOTIFY and answers). Alex consults Kim (Alt+Shift+X to the list, Alt+Shift+K): the
 * caller hears music while Kim's phone rings and while Alex and Kim talk (the simulator has Alex hearing Kim,
 * the caller hearing the music; Kim's page has the caller's card meanwhile, marked as Alex's consultation, with
 * nothing on it to act on), goes back to the caller (Alt+Shift+R: the card leaves Kim's page, which says why),
 * consults again and completes the transfer (Alt+Shift+T): the caller talks with Kim, whose card is now her call. Kim sends the caller to Sam by
 * name (the list, Tab, Enter): Sam's phone has the caller. The pages are checked with axe-core and at 390 px,
 * with screenshots in test-artifacts/.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { daemon, setup, stopAll, waitFor } from "../calls/harness.js";
import { agentLogin, ARTIFACTS, axeProblems, deskPage, carla, hasChromium, theBrowser } from "./desk-browser.js";

if (!hasChromium) console.warn(`transfer desktop test skipped: no chromium binary (set CHROMIUM_PATH)`);
const SESSION_SECRET = "test-session-secret-for-the-transfers-0123456789";

afterEach(stopAll);

type Sim = Awaited<ReturnType<typeof setup>>["sim"];

/** What a channel hears now: `moh`, `silence`, or the endpoints bridged with it ("PJSIP/1002"). */
function hears(sim: Sim, channelId: string): string {
  const last = sim.control.hearing(channelId)?.spans.at(-1);
  if (!last || last.to !== undefined) return "gone";
  return last.kind === "bridged" ? last.parties.map((p) => p.name.replace(/-[0-9a-f]+$/, "")).sort().join("+") : last.kind;
}

const legOf = (sim: Sim, endpoint: string) => sim.pbx.listChannels().find((c) => c.name.startsWith(`${endpoint}-`))?.id;

/** Arrows through the focused list until `value` is chosen. */
async function choose(page: Page, value: string): Promise<void> {
  const select = page.locator("select:focus");
  for (let i = 0; i < 12 && (await select.inputValue()) !== value; i++) await page.keyboard.press("ArrowDown");
  expect(await select.inputValue()).toBe(value);
}

describe.skipIf(!hasChromium)("the agent's desk: accept, consultation, transfer to a named agent", () => {
  test("by keyboard alone, on the simulator", async () => {
    const passwordHash = await hashPassword("e2e-password", { N: 1024, r: 8, p: 1 });
    const s = await setup(
      [
        { id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash, remoteAnswer: true },
        { id: "1002", name: "Kim Laurent", endpoint: "PJSIP/1002", queues: ["support"], skills: ["support"], passwordHash },
        // works the billing queue on the phone alone: the named transfer's target
        { id: "1003", name: "Sam Patel", endpoint: "PJSIP/1003", queues: ["billing"], skills: ["billing"], autoAvailable: true },
      ],
      // a ring lasts 6 s here (60 simulated seconds)
      { ringTimeout: 60 },
      { cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } } },
    );
    // Alex's phone waits for the desk to answer it; Kim's and Sam's answer after a second
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 1, talkTime: 6000, noAnswerProbability: 1, remoteAnswer: true });
    s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 1, talkTime: 6000 });
    s.sim.control.addAgent({ endpoint: "PJSIP/1003", answerDelay: 1, talkTime: 6000 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SESSION_SECRET });
    const agentOf = async (id: string, queue = "support") => (await d.queue.status(queue)).agents.find((a) => a.agentId === id);

    const browser = await theBrowser();
    const problems: string[] = [];
    const alex = await deskPage(problems);
    await agentLogin(alex, d.url, "1001", "e2e-password");
    await alex.keyboard.press("Alt+Shift+V");
    await expect.poll(() => alex.locator("#state-current").textContent()).toBe("Available");
    mkdirSync(ARTIFACTS, { recursive: true });

    // ---- the call rings: Accept shows with its key; Alt+Shift+A answers the phone from the page
    s.sim.control.placeCall(carla("carla-1"));
    const card = alex.locator(".card").first();
    await alex.getByRole("heading", { name: "Call from Carla Diaz" }).waitFor({ timeout: 20_000 });
    await expect.poll(() => card.locator(".line-state").textContent()).toBe("Ringing");
    const accept = card.getByRole("button", { name: /^Accept/ });
    expect(await accept.isVisible()).toBe(true);
    expect(await accept.getAttribute("aria-keyshortcuts")).toBe("Alt+Shift+A");
    expect(await alex.locator("#shortcuts").textContent()).toContain("Accept the call ringing on your phone");
    expect(await axeProblems(alex)).toEqual([]);
    await alex.screenshot({ path: path.join(ARTIFACTS, "agent-accept-ringing-1280.png") });
    await alex.keyboard.press("Alt+Shift+A");
    await expect.poll(() => card.locator(".line-state").textContent(), { timeout: 20_000 }).toBe("On the line");
    await waitFor("the caller with Alex", () => hears(s.sim, "carla-1") === "PJSIP/1001");
    expect(await accept.isVisible()).toBe(false);

    // ---- Kim comes in, on a page of her own
    const kimContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const kim = await kimContext.newPage();
    kim.on("pageerror", (e) => problems.push(e.message));
    await agentLogin(kim, d.url, "1002", "e2e-password");
    await kim.keyboard.press("Alt+Shift+V");
    await expect.poll(() => kim.locator("#state-current").textContent()).toBe("Available");

    // ---- consult Kim: the list by keyboard, Alt+Shift+K; the caller hears music while Kim rings, then while they talk
    await alex.keyboard.press("Alt+Shift+X");
    await choose(alex, "agent:1002");
    expect(await alex.locator("select:focus option[value='agent:1001']").count(), "Alex is not in Alex's own list").toBe(0);
    await alex.keyboard.press("Alt+Shift+K");
    await expect.poll(() => card.locator(".consult-flag").textContent()).toMatch(/^(Calling Kim Laurent…|Consulting Kim Laurent)$/);
    await waitFor("the caller on music", () => hears(s.sim, "carla-1") === "moh");
    await expect.poll(() => card.locator(".consult-flag").textContent(), { timeout: 20_000 }).toBe("Consulting Kim Laurent");
    const alexLeg = legOf(s.sim, "PJSIP/1001")!;
    await waitFor("Alex and Kim talking", () => hears(s.sim, alexLeg) === "PJSIP/1002");
    expect(hears(s.sim, "carla-1"), "the caller hears the music, not the agents").toBe("moh");
    expect(await card.locator("#phone-carla-1-hold").isDisabled(), "no hold or resume while consulting").toBe(true);
    expect(await card.getByRole("button", { name: /^Complete transfer/ }).isEnabled()).toBe(true);
    expect(await axeProblems(alex)).toEqual([]);
    await alex.screenshot({ path: path.join(ARTIFACTS, "agent-consult-1280.png") });
    expect(await kim.locator("#state-current").textContent()).toBe("On a call");
    // Kim's page has the caller's card: Alex's consultation, not hers to act on yet
    const kimCard = kim.locator(".card", { has: kim.getByRole("heading", { name: "Call from Carla Diaz" }) });
    await expect.poll(() => kimCard.locator(".consult-flag").textContent()).toBe("Consultation from Alex Morgan: the call is yours once they transfer it");
    expect(await kimCard.locator(".line-state").textContent()).toBe("Talking with Alex Morgan");
    expect(await kimCard.locator(".phone").isVisible(), "no phone controls on a consultation's card").toBe(false);
    expect(await kimCard.getByRole("button", { name: "Save disposition" }).isDisabled()).toBe(true);
    for (const b of await kimCard.locator("section.offer button").all()) expect(await b.isDisabled()).toBe(true);
    expect(await axeProblems(kim)).toEqual([]);
    await kim.screenshot({ path: path.join(ARTIFACTS, "agent-consulted-1280.png") });

    // the same desk on a phone-sized screen: the consultation's controls on the first screen, nothing too wide
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const small = await phone.newPage();
    await agentLogin(small, d.url, "1001", "e2e-password");
    const smallCard = small.locator(".card").first();
    await expect.poll(() => smallCard.locator(".consult-flag").textContent()).toBe("Consulting Kim Laurent");
    const controls = (await smallCard.locator(".phone").boundingBox())!;
    expect(controls.y + controls.height, "the phone controls are on the first screen").toBeLessThan(844);
    await small.screenshot({ path: path.join(ARTIFACTS, "agent-consult-390.png") });
    const wide = await small.evaluate<string[]>(`[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391).map((e) => e.tagName + "." + e.className + "#" + e.id).slice(0, 8)`);
    expect(wide, "nothing wider than the screen").toEqual([]);
    expect(await axeProblems(small)).toEqual([]);
    await phone.close();

    // ---- back to the caller (Alt+Shift+R): Kim's leg goes, the caller hears Alex again
    await alex.keyboard.press("Alt+Shift+R");
    await expect.poll(() => card.locator(".consult-flag").isVisible()).toBe(false);
    await waitFor("the caller with Alex again", () => hears(s.sim, "carla-1") === "PJSIP/1001");
    await waitFor("Kim free again", async () => (await agentOf("1002"))?.state === "available");
    await expect.poll(() => card.locator(".line-state").textContent()).toBe("On the line");
    await expect.poll(() => kimCard.count()).toBe(0);
    await expect.poll(() => kim.locator("#desk-log").textContent()).toBe("Alex Morgan went back to the caller.");

    // ---- consult again and complete (Alt+Shift+T): the caller talks with Kim, whose page has the call
    await alex.keyboard.press("Alt+Shift+X");
    await choose(alex, "agent:1002");
    await alex.keyboard.press("Alt+Shift+K");
    await expect.poll(() => card.locator(".consult-flag").textContent(), { timeout: 20_000 }).toBe("Consulting Kim Laurent");
    await alex.keyboard.press("Alt+Shift+T");
    await expect.poll(() => alex.locator("#desk-log").textContent()).toBe("Transferred to Kim Laurent after a consultation");
    await expect.poll(() => alex.locator(".card").count()).toBe(0);
    await waitFor("the caller with Kim", () => hears(s.sim, "carla-1") === "PJSIP/1002");
    await expect.poll(() => kimCard.locator(".line-state").textContent(), { timeout: 20_000 }).toBe("On the line");
    await expect.poll(() => kimCard.locator(".consult-flag").isVisible()).toBe(false);
    await expect.poll(() => kimCard.locator("div.phone + p").textContent()).toBe("Alex Morgan transferred the caller to you");
    expect(await kimCard.locator(".phone").isVisible()).toBe(true);
    expect(await kimCard.getByRole("button", { name: "Save disposition" }).isEnabled()).toBe(true);
    await expect.poll(() => alex.locator("#state-current").textContent()).toBe("Wrap-up");
    expect(await agentOf("1002")).toMatchObject({ state: "oncall", callId: "carla-1" });
    expect(await axeProblems(kim)).toEqual([]);
    await kim.screenshot({ path: path.join(ARTIFACTS, "agent-consult-completed-1280.png") });

    // ---- Kim sends the caller to Sam by name: the list, Tab to Transfer, Enter
    await kim.keyboard.press("Alt+Shift+X");
    await choose(kim, "agent:1003");
    await kim.keyboard.press("Tab");
    expect(await kim.evaluate<string>("document.activeElement.textContent")).toBe("Transfer");
    await kim.keyboard.press("Enter");
    await expect.poll(() => kim.locator("#desk-log").textContent()).toBe("Transferred to Sam Patel");
    await expect.poll(() => kim.locator(".card").count()).toBe(0);
    await waitFor("the caller with Sam", () => hears(s.sim, "carla-1") === "PJSIP/1003", 20_000);
    expect(await agentOf("1003", "billing")).toMatchObject({ state: "oncall", callId: "carla-1" });

    expect(problems).toEqual([]);
    await kimContext.close();
    await alex.context().close();
  }, 120_000);
});
