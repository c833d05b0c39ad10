// Keyboard shortcuts for every action on the desk, Alt+Shift with a letter or digit (Alt alone opens the
// browser's menus or switches its tabs on some systems). Matched on the key's position (`code`), so they
// work whatever characters Alt+Shift types on the agent's keyboard layout. The list on the page is made
// from the same table.
import { $, el } from "./dom.js";
import { saveCode } from "./disposition.js";
import { deskMenu } from "./menu.js";
import { press } from "./phone.js";
import { currentCard, dispositionCard } from "./pop.js";
import { setState } from "./state.js";

const KEYS = [
  ["KeyC", "C", "Go to the current call", () => currentCard()?.querySelector("h3")?.focus()],
  ["KeyH", "H", "Hold / resume the call", () => phone("hold")],
  ["KeyM", "M", "Mute / unmute your microphone", () => phone("mute")],
  ["KeyE", "E", "End the call", () => phone("end")],
  ["KeyX", "X", "Transfer: go to the queue list", () => phone("transfer")],
  ["KeyN", "N", "Write notes for the call", () => dispositionCard()?.querySelector("form.disposition textarea")?.focus()],
  ["KeyV", "V", "Go available", () => setState("available")],
  ["KeyP", "P", "Pause (with the reason chosen)", () => setState("paused")],
  ["KeyO", "O", "Go offline", () => setState("offline")],
];

function phone(what) {
  const card = currentCard();
  if (card) press(card, what);
}

function onKey(ev) {
  if (!ev.altKey || !ev.shiftKey || ev.ctrlKey || ev.metaKey || $("desk-view").hidden) return;
  const digit = /^Digit([1-9])$/.exec(ev.code);
  if (digit) {
    const card = dispositionCard();
    if (card) saveCode(card, Number(digit[1]));
  } else {
    const key = KEYS.find(([code]) => code === ev.code);
    if (!key) return;
    key[3]();
  }
  ev.preventDefault();
}

/** The list on the page: the table above, then the wrap-up codes of this desk. */
export function showShortcuts() {
  const codes = deskMenu().wrapUpCodes.slice(0, 9).map((c, i) => [`${i + 1}`, `Save the disposition "${c.label}"`]);
  const rows = [...KEYS.map(([, key, what]) => [key, what]), ...codes];
  $("shortcuts").replaceChildren(...rows.flatMap(([key, what]) => [el("dt", {}, el("kbd", { text: `Alt+Shift+${key}` })), el("dd", { text: what })]));
}

document.addEventListener("keydown", onKey);
showShortcuts();
