// Keyboard shortcuts for every action on the desk, Alt+Shift with a letter or digit (Alt alone opens the
// browser's menus or switches its tabs on some systems). Matched on the key's position (`code`), so they
// work whatever characters Alt+Shift types on the agent's keyboard layout. The list on the page is made
// from the same table.
import { findTimes } from "./appointment.js";
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
  ["KeyA", "A", "Accept the call ringing on your phone", () => accept()],
  ["KeyD", "D", "Call the customer on the card in preview", () => preview("call")],
  ["KeyS", "S", "Skip the customer on the card in preview (not called)", () => preview("skip")],
  ["KeyX", "X", "Transfer: go to the list of queues and agents", () => phone("transfer")],
  ["KeyK", "K", "Consult the queue or agent chosen in that list (the caller holds)", () => phone("consult")],
  ["KeyT", "T", "Complete the transfer to the agent consulted", () => phone("complete")],
  ["KeyR", "R", "Return to the caller (end the consultation)", () => phone("cancel")],
  ["KeyN", "N", "Write notes for the call", () => dispositionCard()?.querySelector("form.disposition textarea")?.focus()],
  ["KeyB", "B", "Book an appointment: find free times", () => findTimes(currentCard())],
  ["KeyV", "V", "Go available", () => setState("available")],
  ["KeyP", "P", "Pause (with the reason chosen)", () => setState("paused")],
  ["KeyO", "O", "Go offline", () => setState("offline")],
];

/** The card whose line is in `state`: the one the focus is in, else the first on the desk. */
function cardIn(state) {
  const card = currentCard();
  return card?.line?.state === state ? card : [...$("cards").children].find((c) => c.line?.state === state);
}

function accept() {
  const ringing = cardIn("ringing");
  if (ringing) press(ringing, "accept");
}

function preview(choice) {
  const card = cardIn("preview");
  if (card) press(card, choice);
}

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
