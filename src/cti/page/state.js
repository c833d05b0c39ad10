// The state panel: the agent's state as the queue sees it (with the wrap-up countdown), in the words the
// desk uses, and the buttons that change it. The server says which moves the queue allows now
// (`allowed`); the others' buttons are disabled, with a line saying why.
import { $ } from "./dom.js";
import { request } from "./socket.js";

export const STATE_WORDS = {
  offline: "Offline",
  available: "Available",
  ringing: "Ringing",
  oncall: "On a call",
  wrapup: "Wrap-up",
  paused: "Paused",
};

const WHY_NOT = {
  ringing: "Your phone is ringing: answer it, or let it ring out, before changing your state.",
  oncall: "You are on a call: your state changes when the call ends.",
};

const BUTTONS = { available: "go-available", paused: "go-paused", offline: "go-offline" };

let wrapTimer = null;

/** A `status` from the server: `{state, reason?, wrapUpUntil?, allowed?}`. */
export function showStatus(s) {
  $("state-current").textContent = STATE_WORDS[s.state] || s.state;
  $("state-reason").textContent = s.reason ? `(${s.reason})` : "";
  showWrapUp(s.state === "wrapup" ? s.wrapUpUntil : undefined);
  // a server without `allowed` (an older daemon) leaves every button usable
  const allowed = Array.isArray(s.allowed) ? s.allowed : Object.keys(BUTTONS);
  for (const [state, id] of Object.entries(BUTTONS)) $(id).disabled = !allowed.includes(state);
  $("pause-reason").disabled = !allowed.includes("paused");
  $("state-hint").textContent = allowed.length ? "" : (WHY_NOT[s.state] ?? "");
  if (allowed.length) showStateError("");
}

/** Counts down to `until` (epoch ms), every second; hidden without one. */
function showWrapUp(until) {
  clearInterval(wrapTimer);
  const wrap = $("wrapup");
  if (!until) {
    wrap.hidden = true;
    wrap.textContent = "";
    return;
  }
  const tick = () => {
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    wrap.textContent = left > 0 ? `Wrap-up: ${left} s left` : "Wrap-up over";
    if (left === 0) clearInterval(wrapTimer);
  };
  wrap.hidden = false;
  tick();
  wrapTimer = setInterval(tick, 1000);
}

export function showStateError(message) {
  $("state-error").textContent = message;
}

export function setState(state) {
  const button = $(BUTTONS[state]);
  if (!button || button.disabled) return;
  showStateError("");
  const msg = state === "paused" ? { type: "state", state, reason: $("pause-reason").value } : { type: "state", state };
  request(msg, () => {}, showStateError);
}
