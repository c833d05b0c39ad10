// The card's appointment booking, for calls of a queue with a calendar: "Find times" lists the next free
// times for this caller (express places too when their record entitles them), a time books it on the
// caller's number. The server tells every tab of the agent what was booked (`recorded`).
import { el, safeId, showResult } from "./dom.js";
import { deskMenu } from "./menu.js";
import { currentSession } from "./session.js";

async function call(method, path, body) {
  const session = currentSession();
  const res = await fetch(`/api/agent/appointments${path}`, {
    method,
    headers: { authorization: `Bearer ${session?.token ?? ""}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `the server answered ${res.status}`);
  return data;
}

/** The block, or null when the call's queue has no calendar. */
export function appointmentBlock(pop) {
  if (!(deskMenu().appointmentQueues ?? []).includes(pop.queue)) return null;
  const base = safeId(`appt-${pop.callId}`);
  const result = el("p", { class: "done", role: "status" });
  const times = el("div", { class: "times", role: "group", "aria-labelledby": `${base}-title` });
  const find = el("button", { type: "button", id: `${base}-find`, "aria-keyshortcuts": "Alt+Shift+B" }, "Find times", el("kbd", { text: "Alt+Shift+B" }));
  find.addEventListener("click", async () => {
    showResult(result, "Looking for free times…", "done");
    try {
      const r = await call("GET", `/slots?callId=${encodeURIComponent(pop.callId)}`);
      if (!r.slots.length) return showResult(result, "No free time within the booking horizon.", "error");
      times.replaceChildren(...r.slots.map((s) => timeButton(pop, s, result, times)));
      showResult(result, `${r.slots.length} free times, ${r.timeZone} time${r.express ? ", express places included" : ""}; the call goes to ${r.number}.`, "done");
      times.querySelector("button")?.focus();
    } catch (err) {
      showResult(result, err.message, "error");
    }
  });
  return el("section", { class: "appointment", "aria-labelledby": `${base}-title` }, el("h4", { id: `${base}-title`, text: "Appointment" }), find, times, result);
}

function timeButton(pop, slot, result, times) {
  const b = el("button", { type: "button", class: "time", text: slot.label });
  b.addEventListener("click", async () => {
    showResult(result, `Booking ${slot.label}…`, "done");
    try {
      const r = await call("POST", "/", { callId: pop.callId, slotStart: slot.start });
      times.replaceChildren();
      showResult(result, r.text, "done");
    } catch (err) {
      showResult(result, err.message, "error");
    }
  });
  return b;
}

/** Alt+Shift+B: the card's "Find times". */
export function findTimes(card) {
  card?.querySelector("section.appointment button[id$='-find']")?.click();
}
