// One offer on a card: what it is and why it fits, and the buttons that record what became of it. The
// server tells every tab of the agent what was recorded (`recorded`), so each shows it.
import { el, safeId, showResult } from "./dom.js";
import { money } from "./format.js";
import { request } from "./socket.js";

export function offerBlock(pop, offer, index) {
  const titleId = safeId(`offer-${pop.callId}-${index}`);
  const result = el("p", { class: "done", role: "status" });
  const amount = el("input", { type: "number", min: "0", step: "0.01", value: String(offer.value), id: `${titleId}-amount` });
  const button = (label, outcome) => {
    const b = el("button", { type: "button", "aria-describedby": titleId, "data-outcome": outcome, "aria-pressed": "false", text: label });
    b.addEventListener("click", () => record({ pop, offer, amount, result }, outcome));
    return b;
  };
  return el(
    "section",
    { class: "offer", "aria-labelledby": titleId, "data-offer-id": offer.id },
    el("h5", { id: titleId }, offer.title, el("span", { class: "value", text: ` · ${money(offer.value, offer.currency)} · ${offer.kind === "lead-to-sales" ? "lead for sales" : "sell in call"}` })),
    offer.facts.length ? el("ul", { class: "offer-facts" }, ...offer.facts.map((f) => el("li", { text: f }))) : null,
    offer.pitch ? el("p", { class: "pitch", text: offer.pitch }) : null,
    el(
      "div",
      { class: "actions" },
      button("Interested", "interested"),
      el("label", { for: amount.id, text: `Amount (${offer.currency})` }),
      amount,
      button("Sold", "sold"),
      button("Declined", "declined"),
    ),
    result,
  );
}

/** Sends the outcome (with the amount, for "sold"); the confirmation comes as `recorded`, an error here. */
function record({ pop, offer, amount, result }, outcome) {
  showResult(result, "Sending…", "done");
  const msg = { type: "outcome", callId: pop.callId, offerId: offer.id, outcome };
  if (outcome === "sold") {
    const value = Number(amount.value);
    if (!Number.isFinite(value) || value < 0) {
      showResult(result, "Enter the amount sold.", "error");
      amount.focus();
      return;
    }
    msg.amount = value;
  }
  request(msg, () => {}, (m) => showResult(result, m, "error"));
}

/** What was recorded for one of the card's offers, in whichever tab it was clicked. */
export function showOfferRecorded(card, msg) {
  const section = [...card.querySelectorAll("section.offer")].find((s) => s.dataset.offerId === msg.offerId);
  if (!section) return;
  showResult(section.querySelector("[role=status]"), msg.text, "done");
  for (const b of section.querySelectorAll("button[data-outcome]")) b.setAttribute("aria-pressed", String(b.dataset.outcome === msg.outcome));
}
