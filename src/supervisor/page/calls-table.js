// The live calls table: one row per conversation, updated in place (keyed by call id) so that a button
// keeps the keyboard focus across the refreshes; every text goes in as textContent.

import { el, domId } from "./dom.js";
import { mmss } from "./format.js";

const MODE_TEXT = { listen: "listening", whisper: "whispering", barge: "barged in" };
const REC_TEXT = { prompt: "Telling the caller…", recording: "Recording", done: "Recorded", failed: "Not recorded" };

/** What a row's action buttons are: [action, visible text, accessible name, pressed?, class]. */
function actionsFor(call, you) {
  const who = `${call.agent.name} and ${call.caller.number || "the caller"}`;
  const mine = you.monitor && you.monitor.callId === call.callId ? you.monitor.mode : null;
  const out = [];
  for (const mode of ["listen", "whisper", "barge"]) {
    if (!you.may.includes(mode) || !you.phone) continue;
    const text = { listen: "Listen", whisper: "Whisper", barge: "Barge in" }[mode];
    const name = { listen: `Listen to ${who}`, whisper: `Whisper to ${call.agent.name}`, barge: `Barge in on ${who}` }[mode];
    out.push([mode, text, name, mine === mode, ""]);
  }
  if (mine) out.push(["stop", "Stop", `Stop ${MODE_TEXT[mine]} on the call of ${who}`, null, "stop"]);
  if (you.may.includes("record")) {
    const recording = call.recording && (call.recording.state === "recording" || call.recording.state === "prompt");
    out.push(recording ? ["record-stop", "Stop recording", `Stop recording the call of ${who}`, null, "stop"] : ["record", "Record", `Record the call of ${who}`, null, "secondary"]);
  }
  return out;
}

function recordingCell(cell, call, you, onDownload) {
  const r = call.recording;
  const key = r ? `${r.state}|${r.url ?? ""}|${you.may.includes("recordings")}` : "none";
  if (cell.dataset.key === key) return;
  cell.dataset.key = key;
  cell.replaceChildren();
  if (!r) {
    cell.append(el("span", { class: "rec", text: "Not recorded" }));
    return;
  }
  cell.append(el("span", { class: "rec", "data-state": r.state, text: REC_TEXT[r.state] ?? r.state }));
  if (r.url && you.may.includes("recordings")) {
    const b = el("button", { type: "button", class: "secondary", "aria-label": `Download the recording of the call of ${call.agent.name}`, text: "Download" });
    b.addEventListener("click", () => onDownload(r));
    cell.append(b);
  }
}

function actionsCell(cell, call, you, onAction) {
  const wanted = actionsFor(call, you);
  const key = JSON.stringify(wanted);
  if (cell.dataset.key === key) return;
  const focused = cell.contains(document.activeElement) ? document.activeElement.dataset.action : null;
  cell.dataset.key = key;
  const box = el("div", { class: "actions", role: "group", "aria-label": `Actions on the call of ${call.agent.name}` });
  for (const [action, text, name, pressed, cls] of wanted) {
    const b = el("button", { type: "button", "data-action": action, "aria-label": name, class: cls || undefined, "aria-pressed": pressed === null ? undefined : String(pressed), text });
    b.addEventListener("click", () => onAction(action, call, b));
    box.append(b);
  }
  cell.replaceChildren(box);
  if (focused) (box.querySelector(`[data-action="${focused}"]`) ?? box.querySelector("button"))?.focus();
}

function newRow(call) {
  const tr = el("tr", { id: domId("call", call.callId), "data-call": call.callId });
  tr.append(el("th", { scope: "row" }), el("td"), el("td"), el("td", { class: "talking" }), el("td"), el("td"), el("td"));
  return tr;
}

/** Draws `data` (GET /api/supervisor/calls) into the table body; `skew`: server time minus this screen's. */
export function renderCalls(body, data, { skew, onAction, onDownload }) {
  const seen = new Set();
  for (const call of data.calls) {
    seen.add(call.callId);
    let tr = body.querySelector(`tr[data-call="${CSS.escape(call.callId)}"]`);
    if (!tr) {
      tr = newRow(call);
      body.append(tr);
    }
    const [agent, caller, queue, talking, rec, sups, actions] = tr.children;
    tr.dataset.mine = String(Boolean(data.you.monitor && data.you.monitor.callId === call.callId));
    agent.textContent = call.agent.name;
    caller.replaceChildren(call.caller.number || "unknown number", ...(call.caller.name ? [el("span", { class: "sub", text: call.caller.name })] : []));
    queue.replaceChildren(call.queue.name, el("span", { class: "sub", text: call.lane.name }));
    talking.dataset.since = String(call.since);
    talking.dataset.skew = String(skew);
    talking.textContent = mmss(Date.now() + skew - call.since);
    sups.textContent = call.monitors.length ? call.monitors.map((m) => `${m.name} (${m.state === "ringing" ? "phone ringing" : MODE_TEXT[m.mode]})`).join(", ") : "–";
    recordingCell(rec, call, data.you, onDownload);
    actionsCell(actions, call, data.you, onAction);
  }
  for (const tr of [...body.children]) if (!seen.has(tr.dataset.call)) tr.remove();
}

/** Moves the "talking for" clocks on between two refreshes. */
export function tick(body) {
  for (const td of body.querySelectorAll("td.talking")) td.textContent = mmss(Date.now() + Number(td.dataset.skew) - Number(td.dataset.since));
}
