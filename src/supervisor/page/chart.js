// The board's two small charts, drawn as inline SVG (no chart library): calls offered and answered per
// 15-minute interval, and the service level per interval against its target. Each is an image with a
// sentence for screen readers; offered and answered differ in shape (outline, solid), not colour alone.

import { clock, percent } from "./format.js";
import { svg } from "./dom.js";

const W = 360;
const H = 150;
const M = { left: 40, right: 6, top: 12, bottom: 22 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

/** A round upper bound for the y axis (1, 2, 5, 10, 20, 50, ...). */
function niceMax(v) {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((c) => c >= v);
}

function frame(label, ...children) {
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart", focusable: "false" }, ...children);
}

/** The time axis: the first interval's start and each later whole hour, at most five labels. */
function timeAxis(history, timeZone) {
  const slot = PLOT_W / history.length;
  // whole hours of the site's clock (a zone may be offset by half an hour)
  const marks = history.map((p, i) => ({ p, i })).filter(({ p, i }) => i === 0 || (i * slot >= 40 && clock(p.start, timeZone, true).endsWith(":00")));
  const step = Math.ceil(marks.length / 5);
  return marks
    .filter((_, k) => k % step === 0)
    .map(({ p, i }) => svg("text", { x: M.left + i * slot + 2, y: H - 6, class: "axis", text: clock(p.start, timeZone, true) }));
}

function yAxis(top, bottomLabel, topLabel) {
  return [
    svg("line", { x1: M.left, x2: W - M.right, y1: top, y2: top, class: "grid" }),
    svg("line", { x1: M.left, x2: W - M.right, y1: M.top + PLOT_H, y2: M.top + PLOT_H, class: "baseline" }),
    svg("text", { x: M.left - 4, y: top + 4, class: "axis", "text-anchor": "end", text: topLabel }),
    svg("text", { x: M.left - 4, y: M.top + PLOT_H, class: "axis", "text-anchor": "end", text: bottomLabel }),
  ];
}

function empty(label) {
  return frame(label, svg("text", { x: W / 2, y: H / 2, class: "axis", "text-anchor": "middle", text: "No intervals yet" }));
}

const span = (history, timeZone) => `${clock(history[0].start, timeZone, true)} to ${clock(history.at(-1).start + 15 * 60_000, timeZone, true)}`;

/** Offered (outlined bar) and answered (solid bar inside it) per interval. */
export function volumeChart(history, timeZone) {
  if (history.length === 0) return empty("Calls offered and answered per 15 minutes: no intervals yet");
  const max = niceMax(Math.max(...history.map((p) => Math.max(p.offered, p.answered))));
  const slot = PLOT_W / history.length;
  const y = (v) => M.top + PLOT_H - (v / max) * PLOT_H;
  const bars = history.flatMap((p, i) => {
    const x = M.left + i * slot;
    return [
      svg("rect", { x: x + slot * 0.1, y: y(p.offered), width: slot * 0.8, height: M.top + PLOT_H - y(p.offered), class: "offered" }),
      svg("rect", { x: x + slot * 0.3, y: y(p.answered), width: slot * 0.4, height: M.top + PLOT_H - y(p.answered), class: "answered" }),
    ];
  });
  const sum = (k) => history.reduce((n, p) => n + p[k], 0);
  const last = history.at(-1);
  const label = `Calls per 15 minutes, ${span(history, timeZone)}: ${sum("offered")} offered, ${sum("answered")} answered; last interval ${last.offered} offered, ${last.answered} answered.`;
  return frame(label, ...yAxis(M.top, "0", String(max)), ...bars, ...timeAxis(history, timeZone));
}

/** Service level per interval as a line (gaps where an interval had no calls), the target dashed. */
export function serviceLevelChart(history, target, timeZone) {
  if (history.length === 0) return empty("Service level per 15 minutes: no intervals yet");
  const slot = PLOT_W / history.length;
  const x = (i) => M.left + (i + 0.5) * slot;
  const y = (ratio) => M.top + PLOT_H - ratio * PLOT_H;
  const runs = [];
  let run = [];
  history.forEach((p, i) => {
    if (p.serviceLevel === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(`${x(i).toFixed(1)},${y(p.serviceLevel).toFixed(1)}`);
  });
  if (run.length) runs.push(run);
  const points = history.flatMap((p, i) => (p.serviceLevel === null ? [] : [svg("circle", { cx: x(i), cy: y(p.serviceLevel), r: 2.6, class: "sl-dot" })]));
  const targetLine = target
    ? [
        svg("line", { x1: M.left, x2: W - M.right, y1: y(target.percent / 100), y2: y(target.percent / 100), class: "target" }),
        svg("text", { x: W - M.right - 2, y: y(target.percent / 100) - 4, class: "axis target-label", "text-anchor": "end", text: `target ${target.percent}%` }),
      ]
    : [];
  const measured = history.filter((p) => p.serviceLevel !== null).map((p) => p.serviceLevel);
  const last = history.at(-1).serviceLevel;
  const label =
    `Service level per 15 minutes, ${span(history, timeZone)}` +
    (target ? ` against a target of ${target.percent}% in ${target.seconds} s` : "") +
    (measured.length ? `: last interval ${percent(last)}, lowest ${percent(Math.min(...measured))}, highest ${percent(Math.max(...measured))}.` : ": no calls yet.");
  return frame(
    label,
    ...yAxis(M.top, "0%", "100%"),
    ...targetLine,
    ...runs.map((r) => svg("polyline", { points: r.join(" "), class: "sl-line" })),
    ...points,
    ...timeAxis(history, timeZone),
  );
}
