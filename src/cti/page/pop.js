// The calls on the desk: one card per call, newest first, keyed by call id (the same call again replaces
// its card).
import { dispositionForm } from "./disposition.js";
import { $, el, safeId } from "./dom.js";
import { fmtWait, fmtWhen, money } from "./format.js";
import { offerBlock } from "./offer.js";
import { request } from "./socket.js";

const cards = new Map();
/** Calls already announced to screen readers: a pop sent again (reconnect, reload) is not news. */
const announced = new Set();

export function showPop(pop) {
  const card = cardFor(pop);
  const old = cards.get(pop.callId);
  if (old) old.replaceWith(card);
  else $("cards").prepend(card);
  cards.set(pop.callId, card);
  updateEmpty();
  request({ type: "ack", callId: pop.callId }, () => {}, () => {});
  if (!announced.has(pop.callId)) {
    announced.add(pop.callId);
    $("announcer").textContent = `New call from ${callerOf(pop)}${pop.express ? ", express lane" : ""}`;
  }
}

export function removeCard(callId) {
  const card = cards.get(callId);
  if (card) card.remove();
  cards.delete(callId);
  updateEmpty();
}

/** Takes every card off the page (after a welcome the server sends the desk's calls again). */
export function clearCards() {
  for (const c of cards.values()) c.remove();
  cards.clear();
}

/** Logging out: whoever logs in next on this tab hears of each call anew. */
export function forgetCalls() {
  clearCards();
  announced.clear();
}

export function updateEmpty() {
  $("no-call").hidden = cards.size > 0;
}

const callerOf = (pop) => pop.callerName || pop.callerNumber;

function cardFor(pop) {
  const headingId = safeId(`call-${pop.callId}`);
  return el(
    "article",
    { class: `card${pop.express ? " express" : ""}`, "aria-labelledby": headingId, "data-call-id": pop.callId },
    el("h3", { id: headingId }, pop.callback ? `Call back to ${callerOf(pop)}` : `Call from ${callerOf(pop)}`, pop.callback ? el("span", { class: "badge plain", text: "Call back" }) : null, pop.express ? el("span", { class: "badge", text: `Express · ${pop.laneName}` }) : el("span", { class: "badge plain", text: pop.laneName })),
    facts([
      ["Caller number", pop.callerNumber],
      ["Caller name", pop.callerName],
      ...customerRows(pop.customer),
      ["Queue", pop.queueName],
      ["Lane", pop.laneName],
      ["Reason", pop.reason],
      ["Waited", pop.callback ? `${fmtWait(pop.waitSeconds)} since first calling (call back, attempt ${pop.callback.attempt})` : fmtWait(pop.waitSeconds)],
      ["Calling", pop.callback?.number],
    ]),
    ...purposeBlock(pop.callback?.purpose),
    el("h4", { text: "IVR path" }),
    pop.path.length
      ? el("ol", { class: "path" }, ...pop.path.map((p) => el("li", { text: `${p.label || p.node}${p.choice ? `: ${p.choice}` : ""}` })))
      : el("p", { text: "No IVR steps recorded." }),
    el("h4", { text: "Recent calls" }),
    pop.history.length ? historyTable(pop.history) : el("p", { text: "No earlier calls." }),
    el("h4", { text: "Offers" }),
    pop.offers.length ? el("div", { class: "offers" }, ...pop.offers.map((o, i) => offerBlock(pop, o, i))) : el("p", { text: "No offer fits this caller." }),
    el("h4", { text: "After the call" }),
    dispositionForm(pop),
  );
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
    el("thead", {}, el("tr", {}, ...["When", "Disposition", "Agent", "Wait"].map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      ...history.map((h) =>
        el("tr", {}, el("td", { text: fmtWhen(h.at) }), el("td", { text: h.disposition || "" }), el("td", { text: h.agent || "" }), el("td", { text: h.waitSeconds === null ? "" : fmtWait(h.waitSeconds) })),
      ),
    ),
  );
}
