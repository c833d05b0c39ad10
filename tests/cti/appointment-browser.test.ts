/**
 * An appointment booked by the agent from the pop, end to end: the daemon and the simulator over real
 * sockets, Redis, and the agent page in Chromium driven by the keyboard. While talking to Carla the agent
 * presses Alt+Shift+B, reads the next free times, picks the second with the keyboard: the booking is on
 * Carla's number (the admin API shows it), every tab says so, and the page stays axe-clean. The agent
 * API refuses a request without the session token and a call that is not on the agent's desk.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { ADMIN, daemon, setup, stopAll, waitFor } from "../calls/harness.js";
import { agentLogin, ARTIFACTS, axeProblems, carla, hasChromium, theBrowser } from "./desk-browser.js";

const SESSION_SECRET = "test-session-secret-for-the-appointments-0123456789";
const everyDay = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["00:00-24:00"]]));

afterEach(stopAll);

describe.skipIf(!hasChromium)("an appointment booked from the pop", () => {
  test("by keyboard, on the caller's number, told in every tab; the API wants the agent's token and their own call", async () => {
    const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash: await hashPassword("alex-appt-password") }], {}, {
      cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
      appointments: { support: { timeZone: "UTC", hours: everyDay, plannedAgents: 2, expressShare: 0, horizonDays: 2 } },
    });
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 6000 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SESSION_SECRET });

    const context = await (await theBrowser()).newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    const token = await agentLogin(page, d.url, "1001", "alex-appt-password");
    const tab2 = await context.newPage();
    await agentLogin(tab2, d.url, "1001", "alex-appt-password");
    await page.keyboard.press("Alt+Shift+V");
    await waitFor("Alex available", async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "1001")?.state === "available");

    s.sim.control.placeCall(carla("carla-1"));
    const card = page.locator(".card").first();
    await expect.poll(() => card.locator(".line-state").textContent(), { timeout: 20_000 }).toBe("On the line");

    // the agent API: the session token is required, and only for calls on the agent's own desk
    const api = (p: string, auth?: string) => fetch(`${d.url}/api/agent/appointments${p}`, { headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    expect((await api("/slots?callId=carla-1")).status).toBe(401);
    expect((await api("/slots?callId=carla-1", ADMIN)).status).toBe(401);
    const other = await api("/slots?callId=someone-else", token);
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: "call someone-else is not on your desk" });

    await page.keyboard.press("Alt+Shift+B");
    const times = card.locator("section.appointment .times button");
    await expect.poll(() => times.count(), { timeout: 10_000 }).toBeGreaterThan(1);
    const offered = await times.allTextContents();
    expect(offered.every((t) => /^(today|tomorrow) \d\d:\d\d$/.test(t)), offered.join(", ")).toBe(true);
    expect(await card.locator("section.appointment p[role=status]").textContent()).toMatch(/free times, UTC time; the call goes to 5551003\.$/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await card.locator("section.appointment").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "agent-appointment-times-1280.png") });
    // focus is on the first time: Tab to the second and book it with Enter
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    const booked = `Appointment booked for ${offered[1]}: Carla Diaz will be called on 5551003`;
    await expect.poll(() => card.locator("section.appointment p[role=status]").textContent()).toBe(booked);
    await expect.poll(() => tab2.locator("#desk-log").textContent()).toBe(booked);

    // the booking, as the admin API has it: Carla's number, the agent who booked it, the time picked
    const slots = (await (await fetch(`${d.url}/admin/appointments/slots?queue=support`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { slots: Array<{ start: number; time: string; booked: { standard: number } }> };
    const taken = slots.slots.filter((x) => x.booked.standard > 0);
    expect(taken.map((x) => x.time)).toEqual([offered[1]!.slice(-5)]);
    const one = await fetch(`${d.url}/admin/appointments/desk-carla-1-${taken[0]!.start}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(await one.json()).toMatchObject({ booking: { phone: "5551003", customerId: "c-1003", name: "Carla Diaz", reason: "booked by agent 1001", state: "booked" } });

    expect(await axeProblems(page)).toEqual([]);
    await card.locator("section.appointment").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "agent-appointment-1280.png") });
    expect(problems).toEqual([]);
  });
});
