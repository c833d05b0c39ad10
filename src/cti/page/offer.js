// One offer on a card: what it is and why it fits, and the buttons that record what became of it.
import { el, safeId, showResult } from "./dom.js";
import { money } from "./format.js";
import { request } from "./socket.js";

export function offerBlock(pop, offer, index) {
  const titleId = safeId(`offer-${pop.callId}-${index}`);
  const result = el("p", { class: "done", role: "status" });
  const amount = el("input", { type: "number", min: "0", step: "0.01", value: String(offer.value), id: `${titleId}-amount` });
  const button = (label, outcome) => {
    const b = el("button", { type: "button", "aria-describedby": titleId, "data-outcome": outcome, text: label });
    b.addEventListener("click", () => record({ pop, offer, amount, result }, outcome, b));
    return b;
  };
  return el(
    "section",
    { class: "offer", "aria-labelledby": titleId },
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

/** Sends the outcome (with the amount, for "sold") and shows the server's answer on the offer. */
function record({ pop, offer, amount, result }, outcome, button) {
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
  request(
    msg,
    () => {
      showResult(result, outcome === "sold" ? `Recorded: sold for ${money(msg.amount, offer.currency)}` : `Recorded: ${outcome}`);
      button.setAttribute("aria-pressed", "true");
    },
    (m) => showResult(result, m, "error"),
  );
}
