// A card's phone line and soft-phone controls: the line's state in words with its timer (a preview's time
// left, ringing, on the line, on hold, consulting, ended), call or skip a preview, accept, hold/resume,
// mute/unmute, end call, the transfer to a queue or an agent and the consultation (complete the transfer,
// or back to the caller). A card on a consulted agent's desk says who consults them and has no controls
// until the transfer makes the call theirs. What the server changes on
// the line comes back as a `line` message to every tab, which `showLine` puts on the card.
import { el, safeId, showResult } from "./dom.js";
import { fmtClock } from "./format.js";
import { deskMenu } from "./menu.js";
import { currentSession } from "./session.js";
import { request } from "./socket.js";

/** The targets of a transfer or consultation: the queues, then the other agents ("queue:<id>", "agent:<id>"). */
function targetList(id, pop) {
  const { transferQueues: queues, agents = [] } = deskMenu();
  const me = currentSession()?.agent?.id;
  const others = agents.filter((a) => a.id !== me);
  // another queue first: sending a caller back to the queue they came from is the rarer case
  const preset = queues.find((q) => q.id !== pop.queue)?.id;
  const group = (label, items) => (items.length ? el("optgroup", { label }, ...items) : null);
  const select = el(
    "select",
    { id, "aria-keyshortcuts": "Alt+Shift+X" },
    group("Queues", queues.map((q) => el("option", { value: `queue:${q.id}`, text: q.name, selected: q.id === preset }))),
    group("Agents", others.map((a) => el("option", { value: `agent:${a.id}`, text: a.name }))),
  );
  return { select, any: queues.length + others.length > 0 };
}

/** "queue:billing" -> { queue: "billing" }; "agent:1002" -> { agent: "1002" }. */
function target(value) {
  const [kind, ...rest] = value.split(":");
  const id = rest.join(":");
  return kind === "agent" ? { agent: id } : kind === "queue" ? { queue: id } : null;
}

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
  const accept = el("button", { type: "button", id: `${base}-accept`, class: "primary", "aria-keyshortcuts": "Alt+Shift+A", hidden: true }, "Accept", el("kbd", { text: "Alt+Shift+A" }));
  accept.addEventListener("click", () => sendAccept(pop.callId, result));
  const call = el("button", { type: "button", id: `${base}-call`, class: "primary", "aria-keyshortcuts": "Alt+Shift+D", hidden: true }, "Call", el("kbd", { text: "Alt+Shift+D" }));
  call.addEventListener("click", () => sendPreview(pop.callId, "call", result));
  const skip = el("button", { type: "button", id: `${base}-skip`, "aria-keyshortcuts": "Alt+Shift+S", hidden: true }, "Skip", el("kbd", { text: "Alt+Shift+S" }));
  skip.addEventListener("click", () => sendPreview(pop.callId, "skip", result));
  const hold = button("hold", "Hold", "Alt+Shift+H", "hold");
  const mute = button("mute", "Mute", "Alt+Shift+M", "mute");
  const end = button("end", "End call", "Alt+Shift+E", "end", "danger");
  const complete = button("complete", "Complete transfer", "Alt+Shift+T", "complete", "primary");
  const cancel = button("cancel", "Back to the caller", "Alt+Shift+R", "cancel");
  complete.hidden = cancel.hidden = true;
  const { select: to, any } = targetList(`${base}-to`, pop);
  const transfer = el("button", { type: "button", id: `${base}-transfer` }, "Transfer");
  transfer.addEventListener("click", () => sendTo("transfer", pop.callId, to.value, result));
  const consult = el("button", { type: "button", id: `${base}-consult`, "aria-keyshortcuts": "Alt+Shift+K" }, "Consult", el("kbd", { text: "Alt+Shift+K" }));
  consult.addEventListener("click", () => sendTo("consult", pop.callId, to.value, result));
  const transferBox = any ? el("div", { class: "transfer" }, el("label", { for: to.id }, "Transfer to", el("kbd", { text: "Alt+Shift+X" })), to, transfer, consult) : null;
  const controls = el("div", { class: "phone", role: "group", "aria-label": "Phone controls" }, call, skip, accept, hold, mute, end, complete, cancel, transferBox);
  const consulting = el("span", { class: "consult-flag", hidden: true });
  const line = el("p", { class: "line" }, state, timer, muted, consulting);
  return { line, controls, result, parts: { state, timer, muted, consulting, call, skip, accept, hold, mute, end, complete, cancel, target: to, transfer, consult } };
}

/** Puts the line (null: none known yet) on the card: words, timer, which controls apply. */
export function showLine(card, line) {
  const { parts } = card.phone;
  card.line = line;
  card.classList.remove("line-preview", "line-ringing", "line-talking", "line-held", "line-ended");
  const kind = !line ? null : line.state === "talking" && line.held ? "held" : line.state;
  if (kind) card.classList.add(`line-${kind}`);
  // on the consulted agent's desk: the caller's card to read while the agent who consults them talks with them
  const from = line?.consultFrom ?? null;
  const words = { preview: "Preview: call or skip", ringing: "Ringing", talking: from ? `Talking with ${from}` : "On the line", held: "On hold", ended: "Call ended" };
  parts.state.textContent = words[kind] ?? "Call on your desk";
  parts.timer.dataset.from = String(line?.answeredAt ?? line?.ringingAt ?? "");
  parts.timer.dataset.until = String(line?.state === "preview" ? (line.previewUntil ?? "") : "");
  parts.timer.dataset.to = String(line?.state === "ended" ? (line.endedAt ?? "") : "");
  parts.muted.hidden = !(line?.muted && line.state === "talking");
  const consult = line?.state === "talking" ? line.consult : null;
  parts.consulting.hidden = !consult && !from;
  parts.consulting.textContent = from
    ? `Consultation from ${from}${line.state === "talking" ? ": the call is yours once they transfer it" : ""}`
    : !consult ? "" : consult.state === "ringing" ? `Calling ${consult.name}…` : `Consulting ${consult.name}`;
  const live = !line || line.state === "talking";
  for (const b of [parts.hold, parts.mute, parts.end, parts.target, parts.transfer, parts.consult]) b.disabled = !live;
  // while consulting: the caller holds until the transfer completes or the agent goes back to them
  for (const b of [parts.hold, parts.target, parts.transfer, parts.consult]) if (consult) b.disabled = true;
  parts.complete.hidden = parts.cancel.hidden = !consult;
  parts.complete.disabled = consult?.state !== "talking";
  parts.accept.hidden = parts.accept.disabled = line?.state !== "ringing" || Boolean(from);
  parts.call.hidden = parts.call.disabled = parts.skip.hidden = parts.skip.disabled = line?.state !== "preview";
  card.phone.controls.hidden = line?.state === "ended" || Boolean(from);
  setToggle(parts.hold, line?.held ? ["Resume", "resume"] : ["Hold", "hold"]);
  setToggle(parts.mute, line?.muted ? ["Unmute", "unmute"] : ["Mute", "mute"]);
  tick(parts.timer);
}

function setToggle(button, [label, action]) {
  button.firstChild.textContent = label;
  button.dataset.action = action;
}

/** Every card's timer, once a second: a preview's time left, running from the ring or the answer, or how long the call lasted. */
function tick(timer) {
  const until = Number(timer.dataset.until);
  if (until) {
    timer.textContent = `${fmtClock(Math.max(0, until - Date.now()))} left`;
    return;
  }
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
  const words = {
    hold: "On hold: the caller hears music",
    resume: "Back on the line",
    mute: "Muted: the caller cannot hear you",
    unmute: "Unmuted",
    end: "Hanging up…",
    complete: "Transferring…",
    cancel: "Back with the caller",
  };
  request({ type: "phone", callId, action }, () => showResult(result, words[action] ?? "Done", "done"), (m) => showResult(result, m, "error"));
}

function sendTo(type, callId, value, result) {
  const to = target(value);
  if (!to) return;
  showResult(result, type === "consult" ? "Calling…" : "Transferring…", "done");
  const ok = type === "consult" ? () => showResult(result, "Calling: the caller hears music", "done") : () => {};
  request({ type, callId, ...to }, ok, (m) => showResult(result, m, "error"));
}

function sendPreview(callId, choice, result) {
  showResult(result, choice === "call" ? "Calling…" : "Skipping…", "done");
  request({ type: "preview", callId, choice }, () => {}, (m) => showResult(result, m, "error"));
}

function sendAccept(callId, result) {
  showResult(result, "Answering…", "done");
  request({ type: "accept", callId }, () => showResult(result, "Answering on your phone…", "done"), (m) => showResult(result, m, "error"));
}

/** The keyboard's way to the controls (keys.js): presses the card's button for `what`. */
export function press(card, what) {
  const { parts } = card.phone;
  if (what === "transfer") {
    if (!parts.target.disabled) parts.target.focus();
    return;
  }
  const b = { call: parts.call, skip: parts.skip, accept: parts.accept, hold: parts.hold, mute: parts.mute, end: parts.end, consult: parts.consult, complete: parts.complete, cancel: parts.cancel }[what];
  if (b && !b.disabled && !b.hidden && !card.phone.controls.hidden) b.click();
}
