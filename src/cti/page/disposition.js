// The card's disposition form: the call's result and notes, which take the call off the desk once saved.
import { el, safeId, showResult } from "./dom.js";
import { request } from "./socket.js";

const DISPOSITIONS = [
  ["resolved", "Resolved"],
  ["follow-up", "Follow-up needed"],
  ["escalated", "Escalated"],
  ["callback", "Callback scheduled"],
  ["no-action", "No action"],
];

export function dispositionForm(pop) {
  const base = safeId(`disp-${pop.callId}`);
  const select = el("select", { id: `${base}-code`, required: true }, ...DISPOSITIONS.map(([v, t]) => el("option", { value: v, text: t })));
  const notes = el("textarea", { id: `${base}-notes`, rows: "3", maxlength: "4000" });
  const result = el("p", { class: "done", role: "status" });
  const form = el(
    "form",
    { class: "disposition", "aria-label": "Disposition" },
    el("label", { for: select.id, text: "Disposition" }),
    select,
    el("label", { for: notes.id, text: "Notes" }),
    notes,
    el("button", { type: "submit", class: "primary", text: "Save disposition" }),
    result,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    showResult(result, "Saving…", "done");
    const msg = { type: "disposition", callId: pop.callId, disposition: select.value };
    if (notes.value.trim()) msg.notes = notes.value;
    request(
      msg,
      () => showResult(result, "Saved"),
      (m) => showResult(result, m, "error"),
    );
  });
  return form;
}
