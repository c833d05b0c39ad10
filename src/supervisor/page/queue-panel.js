// One queue's panel on the board: its headline numbers as tiles, its agents by state, its lanes and its
// last hours. Every rating (on target, over the answer time, short of agents) is written in words beside
// its colour.

import { serviceLevelChart, volumeChart } from "./chart.js";
import { domId, el } from "./dom.js";
import { mmss, percent, queueTarget, slStatus, staffStatus, waitStatus } from "./format.js";

const STATES = [
  ["available", "Available"],
  ["ringing", "Ringing"],
  ["oncall", "On call"],
  ["wrapup", "Wrap-up"],
  ["paused", "Paused"],
];

/** A shape beside the words, for a glance from across the room: the words carry the meaning. */
const GLYPH = { ok: "✓", warn: "!", bad: "✕", none: "" };

function note(rating) {
  const glyph = rating.glyph === false || !GLYPH[rating.status] ? [] : [el("span", { class: "glyph", "aria-hidden": "true", text: GLYPH[rating.status] }), " "];
  return el("dd", { class: "note" }, ...glyph, rating.text);
}

function tile(key, label, value, rating = null) {
  return el("div", { class: "tile", "data-key": key, "data-status": rating?.status ?? "none" }, el("dt", { text: label }), el("dd", { class: "value", text: value }), rating ? note(rating) : null);
}

/** The queue's longest wait rated against the answer time of the lanes its callers wait in. */
function queueWait(q) {
  const over = q.lanes.filter((l) => l.waiting > 0 && l.longestWaitMs > l.sla.seconds * 1000);
  if (over.length) return { status: "bad", text: `Over target: ${over.map((l) => l.displayName).join(", ")}` };
  return q.waiting > 0 ? { status: "ok", text: "Within target" } : { status: "none", text: "Nobody waiting", glyph: false };
}

function tiles(q, target) {
  const sl = slStatus(q.today.serviceLevel, target?.percent ?? 100);
  const staff = staffStatus(q.staffed, q.needed);
  return el(
    "dl",
    { class: "tiles" },
    tile("waiting", "Waiting", String(q.waiting)),
    tile("longest", "Longest wait", mmss(q.longestWaitMs), queueWait(q)),
    tile("sl", "Service level today", percent(q.today.serviceLevel), { ...sl, text: target ? `${sl.text} (${target.percent}%)` : sl.text }),
    tile("staff", "Staffed / needed", `${q.staffed} / ${q.needed ?? "–"}`, staff),
    tile("abandon", "Abandoned", percent(q.today.abandonRate), { status: "none", text: `${q.today.abandoned} of ${q.today.offered} calls`, glyph: false }),
    tile("asa", "Avg. speed of answer", mmss(q.today.asaMs), { status: "none", text: `${q.today.answered} answered`, glyph: false }),
    q.today.express.offered > 0 ? tile("express", "Express promise kept", percent(q.today.express.promiseKept), { status: "none", text: expressNote(q.today.express), glyph: false }) : null,
  );
}

/** What the sold lane cost today: credits paid and the standard callers' extra wait. */
function expressNote(x) {
  const credits = `${x.credits} ${x.credits === 1 ? "credit" : "credits"}`;
  if (x.fairnessCostMs === null) return credits;
  const s = Math.round(x.fairnessCostMs / 1000);
  return `${credits}; standard callers wait ${s > 0 ? `${s} s longer` : s < 0 ? `${-s} s less` : "no longer"}`;
}

function agents(q) {
  return el(
    "ul",
    { class: "agents", "aria-label": "Agents by state" },
    ...STATES.map(([key, label]) => el("li", { "data-state": key }, el("span", { class: "count", text: String(q.agents[key]) }), " ", el("span", { class: "state", text: label }))),
  );
}

function lanes(q) {
  const heads = ["Lane", "Waiting", "Longest wait", "Service level today", "Target", "Offered today"];
  const rows = q.lanes.map((l) => {
    const wait = waitStatus(l.longestWaitMs, l.sla.seconds);
    const sl = slStatus(l.serviceLevelToday, l.sla.percent);
    const rated = (label, value, rating) =>
      el("td", { class: "rated", "data-label": label, "data-status": rating.status }, el("span", { class: "num-value", text: value }), " ", el("span", { class: "rating", text: rating.text }));
    return el(
      "tr",
      { "data-lane": l.lane },
      el("th", { scope: "row", text: l.displayName }),
      el("td", { "data-label": heads[1], text: String(l.waiting) }),
      rated(heads[2], mmss(l.longestWaitMs), l.waiting > 0 ? wait : { status: "none", text: "" }),
      rated(heads[3], percent(l.serviceLevelToday), sl),
      el("td", { class: "target", "data-label": heads[4], text: `${l.sla.percent}% in ${l.sla.seconds} s` }),
      el("td", { "data-label": heads[5], text: String(l.offeredToday) }),
    );
  });
  return el(
    "table",
    { class: "lanes" },
    el("caption", { text: "Lanes" }),
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows),
  );
}

function charts(q, target, timeZone) {
  return el(
    "div",
    { class: "charts" },
    el(
      "figure",
      {},
      volumeChart(q.history, timeZone),
      el("figcaption", {}, "Calls per 15 min: ", el("span", { class: "key key-offered", "aria-hidden": "true" }), " offered, ", el("span", { class: "key key-answered", "aria-hidden": "true" }), " answered"),
    ),
    el(
      "figure",
      {},
      serviceLevelChart(q.history, target, timeZone),
      el("figcaption", {}, "Service level per 15 min: ", el("span", { class: "key key-line", "aria-hidden": "true" }), " measured, ", el("span", { class: "key key-target", "aria-hidden": "true" }), " target"),
    ),
  );
}

export function queuePanel(q, timeZone) {
  const titleId = domId("queue", q.queue);
  const target = queueTarget(q.lanes);
  return el(
    "section",
    { class: "queue", "data-queue": q.queue, "aria-labelledby": titleId },
    el("h2", { id: titleId, text: q.displayName }),
    tiles(q, target),
    agents(q),
    lanes(q),
    charts(q, target, timeZone),
  );
}
