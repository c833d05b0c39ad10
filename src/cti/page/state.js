// The state panel: the agent's state as the queue sees it (with the wrap-up countdown), and the buttons
// that change it.
import { $ } from "./dom.js";
import { request } from "./socket.js";

const STATE_WORDS = {
  offline: "Offline",
  available: "Available",
  ringing: "Ringing",
  oncall: "On a call",
  wrapup: "Wrap-up",
  paused: "Paused",
};

let wrapTimer = null;

/** A `status` from the server: `{state, reason?, wrapUpUntil?}`. */
export function showStatus(s) {
  $("state-current").textContent = STATE_WORDS[s.state] || s.state;
  $("state-reason").textContent = s.reason ? `(${s.reason})` : "";
  showWrapUp(s.state === "wrapup" ? s.wrapUpUntil : undefined);
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
  showStateError("");
  const msg = state === "paused" ? { type: "state", state, reason: $("pause-reason").value } : { type: "state", state };
  request(msg, () => {}, showStateError);
}
