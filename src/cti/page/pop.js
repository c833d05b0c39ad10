// The calls on the desk: one card per call, newest first, keyed by call id (the same call again replaces
// its card, keeping what the agent typed). The card opens with who is calling and the phone line (state,
// timer, soft-phone controls), then the caller's journey through the IVR, their recent calls, the offers
// and the disposition form.
import { appointmentBlock } from "./appointment.js";
import { dispositionForm, keepTyped } from "./disposition.js";
import { $, el, safeId, showResult } from "./dom.js";
import { fmtWait, fmtWhen, money } from "./format.js";
import { offerBlock, showOfferRecorded } from "./offer.js";
import { phoneBlock, showLine } from "./phone.js";
import { request } from "./socket.js";

const cards = new Map();
/** Lines that came before their card (the server sends a ringing line just before the pop). */
const lines = new Map();
/** Calls already announced to screen readers: a pop sent again (reconnect, reload, the answer) is not news. */
const announced = new Set();

export function showPop(pop) {
  const card = cardFor(pop);
  const old = cards.get(pop.callId);
  if (old) {
    keepTyped(old, card);
    const focused = old.contains(document.activeElement) ? document.activeElement.id : null;
    old.replaceWith(card);
    if (focused) document.getElementById(focused)?.focus();
  } else $("cards").prepend(card);
  cards.set(pop.callId, card);
  showLine(card, lines.get(pop.callId) ?? old?.line ?? null);
  lockConsulted(card);
  updateEmpty();
  request({ type: "ack", callId: pop.callId }, () => {}, () => {});
  if (!announced.has(pop.callId)) {
    announced.add(pop.callId);
    const from = card.line?.consultFrom;
    const ringing = from ? `, consultation from ${from}` : card.line?.state === "ringing" ? ", ringing" : "";
    $("announcer").textContent = `New call from ${callerOf(pop)}${pop.express ? ", express lane" : ""}${ringing}. Alt+Shift+C goes to it.`;
  }
}

/** A `line` message: the card's line, or kept for the card about to come. */
export function lineChanged(line) {
  lines.set(line.callId, line);
  const card = cards.get(line.callId);
  if (!card) return;
  showLine(card, line);
  lockConsulted(card);
}

/**
 * A card on the desk of an agent being consulted is theirs to read, not to record on: its offers and its
 * disposition wait for the transfer (the server refuses them until then), whose pop replaces the card.
 */
function lockConsulted(card) {
  const consulted = Boolean(card.line?.consultFrom);
  // only a change of this mark touches the buttons: whatever else set them stays
  if (consulted === card.classList.contains("consulted")) return;
  card.classList.toggle("consulted", consulted);
  for (const b of card.querySelectorAll("section.offer button, form.disposition button")) b.disabled = consulted;
}

/** A `recorded` message (from this tab or another of the agent's): the offer's result on the card, the rest in the desk's log. */
export function recorded(msg) {
  const card = cards.get(msg.callId);
  if (msg.what === "outcome") {
    if (card) showOfferRecorded(card, msg);
    return;
  }
  // what became of a consultation goes with the call's phone controls
  if (msg.what === "consult" && card) return showResult(card.phone.result, msg.text, "done");
  // a preview called shows it on its card; one skipped leaves the desk, so the log says it too
  if (msg.what === "preview" && card) showResult(card.phone.result, msg.text, "done");
  $("desk-log").textContent = msg.text;
}

export function removeCard(callId) {
  const card = cards.get(callId);
  lines.delete(callId);
  if (!card) return;
  const hadFocus = card.contains(document.activeElement);
  card.remove();
  cards.delete(callId);
  updateEmpty();
  // the keyboard's place was in the card: it goes to the calls' heading, next to what was saved
  if (hadFocus) $("calls-title").focus();
}

/** Takes every card off the page (after a welcome the server sends the desk's calls again). */
export function clearCards() {
  for (const c of cards.values()) c.remove();
  cards.clear();
  lines.clear();
}

/** Logging out: whoever logs in next on this tab hears of each call anew. */
export function forgetCalls() {
  clearCards();
  announced.clear();
  $("desk-log").textContent = "";
}

export function updateEmpty() {
  $("no-call").hidden = cards.size > 0;
}

/** The call the phone shortcuts act on: the card the focus is in, else the newest call on the line (or ringing). */
export function currentCard() {
  const inFocus = [...cards.values()].find((c) => c.contains(document.activeElement));
  if (inFocus) return inFocus;
  const newest = [...$("cards").children];
  return newest.find((c) => c.line?.state === "talking") ?? newest.find((c) => c.line?.state === "ringing") ?? newest[0] ?? null;
}

/** The card a wrap-up code goes to: the one the focus is in, else the newest call that has ended, else the newest. */
export function dispositionCard() {
  const inFocus = [...cards.values()].find((c) => c.contains(document.activeElement));
  if (inFocus) return inFocus;
  const newest = [...$("cards").children];
  return newest.find((c) => c.line?.state === "ended") ?? newest[0] ?? null;
}

const callerOf = (pop) => pop.callerName || pop.customer?.name || pop.callerNumber;

/** What kind of call the card is: from a caller, a call back they asked for, or one Switchboard places (a campaign, a web lead). */
function callKind(pop) {
  const kind = pop.callback?.purpose?.kind;
  if (kind === "campaign") return { heading: `Campaign call to ${callerOf(pop)}`, badge: "Campaign" };
  if (kind === "web-lead") return { heading: `Call to web lead ${callerOf(pop)}`, badge: "Web lead" };
  if (pop.callback) return { heading: `Call back to ${callerOf(pop)}`, badge: "Call back" };
  return { heading: `Call from ${callerOf(pop)}`, badge: null };
}

/** How long they waited: nobody waits for a call Switchboard places, so those show their attempt instead. */
function waitRow(pop) {
  if (pop.callback?.purpose) return ["Attempt", String(pop.callback.attempt)];
  return ["Waited", pop.callback ? `${fmtWait(pop.waitSeconds)} since first calling (call back, attempt ${pop.callback.attempt})` : fmtWait(pop.waitSeconds)];
}

function cardFor(pop) {
  const headingId = safeId(`call-${pop.callId}`);
  const phone = phoneBlock(pop);
  const c = pop.customer;
  const kind = callKind(pop);
  const card = el(
    "article",
    { class: `card${pop.express ? " express" : ""}`, "aria-labelledby": headingId, "data-call-id": pop.callId },
    el(
      "div",
      { class: "card-head" },
      el("h3", { id: headingId, tabindex: "-1" }, kind.heading, kind.badge ? el("span", { class: "badge plain", text: kind.badge }) : null, pop.express ? el("span", { class: "badge", text: `Express · ${pop.laneName}` }) : el("span", { class: "badge plain", text: pop.laneName })),
      phone.line,
    ),
    el("p", { class: "summary" }, summary(pop)),
    phone.controls,
    phone.result,
    el("h4", { text: "Who is calling" }),
    facts([
      ["Caller number", pop.callerNumber],
      ["Caller name", pop.callerName],
      ...customerRows(c),
      ["Queue", pop.queueName],
      ["Reason", pop.reason],
      waitRow(pop),
      ["Calling", pop.callback?.number],
    ]),
    ...purposeBlock(pop.callback?.purpose),
    el("h4", { text: "Before reaching you" }),
    journey(pop),
    el("h4", { text: "Recent calls" }),
    pop.history.length ? historyTable(pop.history) : el("p", { text: "No earlier calls." }),
    el("h4", { text: "Offers" }),
    pop.offers.length ? el("div", { class: "offers" }, ...pop.offers.map((o, i) => offerBlock(pop, o, i))) : el("p", { text: "No offer fits this caller." }),
    appointmentBlock(pop),
    el("h4", { text: "After the call" }),
    dispositionForm(pop),
  );
  card.phone = phone;
  return card;
}

/** One line an agent can read at a glance: who, how long they waited, why. */
function summary(pop) {
  const who = pop.customer ? `${pop.customer.name}, ${pop.customer.tier}` : "Not recognised";
  const why = pop.reason ? ` · ${pop.reason}` : "";
  // nobody waited for a call Switchboard places
  const waited = pop.callback?.purpose ? `attempt ${pop.callback.attempt}` : `waited ${fmtWait(pop.waitSeconds)}`;
  return `${who} · ${waited}${why}`;
}

function journey(pop) {
  const steps = pop.journey?.length ? pop.journey : pop.path.map((p) => p.label || p.choice).filter(Boolean);
  return steps.length ? el("ol", { class: "journey" }, ...steps.map((s) => el("li", { text: s }))) : el("p", { text: "Came straight through." });
}

function facts(rows) {
  const dl = el("dl", { class: "facts" });
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(el("dt", { text: label }), el("dd", {}, value));
  }
  return dl;
}

function customerRows(c) {
  if (!c) return [["Customer", "Not recognised"]];
  return [
    ["Customer", `${c.name} (${c.id})`],
    ["Tier", c.tier],
    ["Account", c.accountNumber],
    ["Express subscription", c.express ? "yes" : null],
    ["Prepaid balance", c.prepaid ? money(c.prepaid.balance, c.prepaid.currency) : null],
    ["Contract ends", c.contractEnds],
    ["Products", productList(c.products)],
  ];
}

function productList(products) {
  if (!products.length) return null;
  return el(
    "ul",
    {},
    ...products.map((p) =>
      el(
        "li",
        {},
        `${p.name}${p.version ? ` ${p.version}` : ""}`,
        p.outdated ? el("span", { class: "outdated", text: ` (outdated; ${p.currentVersion} is current)` }) : null,
        p.warrantyEnds ? `; warranty ends ${p.warrantyEnds}` : null,
      ),
    ),
  );
}

/** What an outbound call is about: the campaign's pitch, the web shop's cart. */
function purposeBlock(purpose) {
  if (!purpose) return [];
  const cart = purpose.cart;
  return [
    el("h4", { text: purpose.kind === "web-lead" ? "From the web shop" : "Campaign" }),
    el("p", { class: "purpose", text: purpose.title }),
    purpose.pitch ? el("p", { class: "pitch", text: purpose.pitch }) : null,
    cart
      ? el(
          "table",
          { class: "cart" },
          el("caption", { text: `Cart: ${money(cart.value, cart.currency)}` }),
          el("thead", {}, el("tr", {}, ...["Item", "Qty", "Price"].map((h) => el("th", { scope: "col", text: h })))),
          el("tbody", {}, ...cart.items.map((i) => el("tr", {}, el("td", { text: i.name }), el("td", { text: String(i.quantity) }), el("td", { text: money(i.price, cart.currency) })))),
        )
      : null,
  ];
}

function historyTable(history) {
  return el(
    "table",
    {},
    el("caption", { class: "visually-hidden", text: "The caller's recent calls" }),
    el("thead", {}, el("tr", {}, ...["When", "Disposition", "Agent", "Wait"].map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      ...history.map((h) =>
        // a recorded call says so; its file is for supervisors (agents may not fetch recordings), so no link here
        el("tr", {}, el("td", { text: fmtWhen(h.at) }), el("td", { text: [h.disposition, h.recorded ? "call recorded" : ""].filter(Boolean).join(", ") }), el("td", { text: h.agent || "" }), el("td", { text: h.waitSeconds === null ? "" : fmtWait(h.waitSeconds) })),
      ),
    ),
  );
}
