// The card's disposition form: the wrap-up code (the server's list, Alt+Shift+1, 2, ... pick one and save)
// and notes, which take the call off the desk once saved. What was saved is told in every tab.
import { el, safeId, showResult } from "./dom.js";
import { deskMenu } from "./menu.js";
import { request } from "./socket.js";

export function dispositionForm(pop) {
  const base = safeId(`disp-${pop.callId}`);
  const codes = deskMenu().wrapUpCodes;
  const select = el("select", { id: `${base}-code`, required: true }, ...codes.map((c) => el("option", { value: c.code, text: c.label })));
  const notes = el("textarea", { id: `${base}-notes`, rows: "3", maxlength: "4000", "aria-keyshortcuts": "Alt+Shift+N" });
  const result = el("p", { class: "done", role: "status" });
  const hint = el("p", { class: "hint", id: `${base}-hint`, text: `Alt+Shift+1${codes.length > 1 ? ` to ${Math.min(codes.length, 9)}` : ""} picks a code and saves it.` });
  select.setAttribute("aria-describedby", hint.id);
  const form = el(
    "form",
    { class: "disposition", "aria-label": "Disposition" },
    el("label", { for: select.id, text: "Disposition" }),
    select,
    el("label", { for: notes.id }, "Notes", el("kbd", { text: "Alt+Shift+N" })),
    notes,
    el("button", { type: "submit", class: "primary", text: "Save disposition" }),
    hint,
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

/** Alt+Shift+<n>: the n-th wrap-up code, saved with the notes typed so far. */
export function saveCode(card, n) {
  const form = card.querySelector("form.disposition");
  const code = deskMenu().wrapUpCodes[n - 1];
  if (!form || !code) return;
  form.querySelector("select").value = code.code;
  form.requestSubmit();
}

/** The same call's card again (the answer's pop after the ringing one): what the agent typed stays. */
export function keepTyped(from, to) {
  const [a, b] = [from.querySelector("form.disposition"), to.querySelector("form.disposition")];
  if (!a || !b) return;
  b.querySelector("select").value = a.querySelector("select").value;
  b.querySelector("textarea").value = a.querySelector("textarea").value;
}
