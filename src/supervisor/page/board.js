// The whole board from one snapshot: the site's revenue and conversion today, then a panel per queue.
// Redrawn from scratch on every snapshot (at most four a second): nothing on it holds focus or input.

import { byId, el } from "./dom.js";
import { money, percent } from "./format.js";
import { queuePanel } from "./queue-panel.js";

function siteTile(key, label, value, noteText) {
  return el("div", { class: "tile", "data-key": key, "data-status": "none" }, el("dt", { text: label }), el("dd", { class: "value", text: value }), noteText ? el("dd", { class: "note", text: noteText }) : null);
}

function site(s) {
  const t = s.revenue.today;
  return [
    siteTile("revenue", "Revenue today", money(t.revenue, s.revenue.currency), `${t.sold} sold`),
    siteTile("conversion", "Conversion today", percent(t.conversion), `${t.sold} sold of ${t.presented} offers`),
    siteTile("leads", "Leads today", String(t.leads), null),
    siteTile("formula", "Service level formula", s.serviceLevelFormula.label, null),
  ];
}

export function renderBoard(snapshot) {
  byId("day").textContent = snapshot.day;
  byId("site").replaceChildren(...site(snapshot));
  const panels = snapshot.queues.map((q) => queuePanel(q, snapshot.timeZone));
  byId("queues").replaceChildren(...panels);
  byId("queues").dataset.count = String(panels.length);
  byId("no-queues").hidden = panels.length > 0;
}
