// The recorded calls table: the newest recordings the retention keeps (GET /api/supervisor/recordings), one
// row per recording keyed by its name and updated in place, so a Download button keeps the keyboard focus
// across the refreshes. Every text goes in as textContent.

import { el } from "./dom.js";
import { mmss } from "./format.js";

const STATE_TEXT = { prompt: "Telling the caller…", recording: "Recording", done: "Recorded", failed: "Not recorded" };

const when = (at) => new Date(at).toLocaleTimeString("en-GB", { hourCycle: "h23" });

function recordingCell(cell, r, may, onDownload) {
  const key = `${r.state}|${r.url ?? ""}|${may}`;
  if (cell.dataset.key === key) return;
  cell.dataset.key = key;
  cell.replaceChildren(el("span", { class: "rec", "data-state": r.state, text: STATE_TEXT[r.state] ?? r.state }));
  if (r.url && may) {
    const b = el("button", { type: "button", class: "secondary", "aria-label": `Download the recording of ${r.agent.name || "the agent"} and ${r.caller.number || "the caller"} at ${when(r.at)}`, text: "Download" });
    b.addEventListener("click", () => onDownload(r));
    cell.append(b);
  }
}

/** Draws `recordings` into the table body; `may`: the supervisor may fetch recordings (else no Download buttons). */
export function renderRecordings(body, recordings, { may, onDownload }) {
  const seen = new Set();
  for (const r of recordings) {
    seen.add(r.name);
    let tr = body.querySelector(`tr[data-recording="${CSS.escape(r.name)}"]`);
    if (!tr) {
      tr = el("tr", { "data-recording": r.name }, el("th", { scope: "row" }), el("td"), el("td"), el("td"), el("td"), el("td"));
      body.append(tr);
    }
    const [at, agent, caller, queue, length, rec] = tr.children;
    const time = el("time", { datetime: new Date(r.at).toISOString(), text: when(r.at) });
    at.replaceChildren(time);
    agent.textContent = r.agent.name || "–";
    caller.textContent = r.caller.number || "unknown number";
    queue.textContent = r.queue.name;
    length.textContent = r.seconds === null ? "–" : mmss(r.seconds * 1000);
    recordingCell(rec, r, may, onDownload);
  }
  for (const tr of [...body.children]) if (!seen.has(tr.dataset.recording)) tr.remove();
  // newest first, as the server lists them; rows are moved only when a new one came (a move drops the focus)
  const order = (rows) => rows.join("\n");
  if (order([...body.children].map((tr) => tr.dataset.recording)) !== order(recordings.map((r) => r.name))) {
    for (const r of recordings) body.append(body.querySelector(`tr[data-recording="${CSS.escape(r.name)}"]`));
  }
}
