// A card's phone line and soft-phone controls: the line's state in words with its timer (ringing, on the
// line, on hold, ended), hold/resume, mute/unmute, end call and the transfer to a queue. What the server
// changes on the line comes back as a `line` message to every tab, which `showLine` puts on the card.
import { el, safeId, showResult } from "./dom.js";
import { fmtClock } from "./format.js";
import { deskMenu } from "./menu.js";
import { request } from "./socket.js";

/** The controls of one card; `card.phone` keeps them. */
export function phoneBlock(pop) {
  const base = safeId(`phone-${pop.callId}`);
  const state = el("span", { class: "line-state", role: "status" }, "Call on your desk");
  const timer = el("time", { class: "timer" });
  const muted = el("span", { class: "muted-flag", text: "Muted", hidden: true });
  const result = el("p", { class: "done", role: "status" });
  const button = (id, label, keys, action, cls) => {
    const b = el("button", { type: "button", id: `${base}-${id}`, class: cls, "aria-keyshortcuts": keys.replace(/ /g, "") }, label, el("kbd", { text: keys }));
    b.addEventListener("click", () => act(pop.callId, b.dataset.action, result));
    b.dataset.action = action;
    return b;
  };
  const hold = button("hold", "Hold", "Alt+Shift+H", "hold");
  const mute = button("mute", "Mute", "Alt+Shift+M", "mute");
  const end = button("end", "End call", "Alt+Shift+E", "end", "danger");
  const queues = deskMenu().transferQueues;
  // another queue first: sending a caller back to the queue they came from is the rarer case
  const preset = queues.find((q) => q.id !== pop.queue)?.id;
  const target = el("select", { id: `${base}-to`, "aria-keyshortcuts": "Alt+Shift+X" }, ...queues.map((q) => el("option", { value: q.id, text: q.name, selected: q.id === preset })));
  const transfer = el("button", { type: "button", id: `${base}-transfer` }, "Transfer");
  transfer.addEventListener("click", () => sendTransfer(pop.callId, target.value, result));
  const transferBox = queues.length
    ? el("div", { class: "transfer" }, el("label", { for: target.id }, "Transfer to", el("kbd", { text: "Alt+Shift+X" })), target, transfer)
    : null;
  const controls = el("div", { class: "phone", role: "group", "aria-label": "Phone controls" }, hold, mute, end, transferBox);
  const line = el("p", { class: "line" }, state, timer, muted);
  return { line, controls, result, parts: { state, timer, muted, hold, mute, end, target, transfer } };
}

/** Puts the line (null: none known yet) on the card: words, timer, which controls apply. */
export function showLine(card, line) {
  const { parts } = card.phone;
  card.line = line;
  card.classList.remove("line-ringing", "line-talking", "line-held", "line-ended");
  const kind = !line ? null : line.state === "talking" && line.held ? "held" : line.state;
  if (kind) card.classList.add(`line-${kind}`);
  parts.state.textContent = { ringing: "Ringing", talking: "On the line", held: "On hold", ended: "Call ended" }[kind] ?? "Call on your desk";
  parts.timer.dataset.from = String(line?.answeredAt ?? line?.ringingAt ?? "");
  parts.timer.dataset.to = String(line?.state === "ended" ? (line.endedAt ?? "") : "");
  parts.muted.hidden = !(line?.muted && line.state === "talking");
  const live = !line || line.state === "talking";
  for (const b of [parts.hold, parts.mute, parts.end, parts.target, parts.transfer]) b.disabled = !live;
  card.phone.controls.hidden = line?.state === "ended";
  setToggle(parts.hold, line?.held ? ["Resume", "resume"] : ["Hold", "hold"]);
  setToggle(parts.mute, line?.muted ? ["Unmute", "unmute"] : ["Mute", "mute"]);
  tick(parts.timer);
}

function setToggle(button, [label, action]) {
  button.firstChild.textContent = label;
  button.dataset.action = action;
}

/** Every card's timer, once a second: running from the ring or the answer, or how long the call lasted. */
function tick(timer) {
  const from = Number(timer.dataset.from);
  if (!from) {
    timer.textContent = "";
    return;
  }
  const to = Number(timer.dataset.to);
  timer.textContent = to ? `lasted ${fmtClock(to - from)}` : fmtClock(Date.now() - from);
}
setInterval(() => document.querySelectorAll(".card .timer").forEach(tick), 1000);

function act(callId, action, result) {
  showResult(result, "Sending…", "done");
  const words = { hold: "On hold: the caller hears music", resume: "Back on the line", mute: "Muted: the caller cannot hear you", unmute: "Unmuted", end: "Hanging up…" };
  request({ type: "phone", callId, action }, () => showResult(result, words[action] ?? "Done", "done"), (m) => showResult(result, m, "error"));
}

function sendTransfer(callId, queue, result) {
  if (!queue) return;
  showResult(result, "Transferring…", "done");
  request({ type: "transfer", callId, queue }, () => {}, (m) => showResult(result, m, "error"));
}

/** The keyboard's way to the controls (keys.js): presses the card's button for `what`. */
export function press(card, what) {
  const { parts } = card.phone;
  const b = { hold: parts.hold, mute: parts.mute, end: parts.end }[what];
  if (what === "transfer") {
    if (!parts.target.disabled) parts.target.focus();
    return;
  }
  if (b && !b.disabled && !card.phone.controls.hidden) b.click();
}
