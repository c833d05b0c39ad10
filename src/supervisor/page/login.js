// The supervisor login of the wallboard and the live calls page (one session storage): the form, built into
// the page's `login-view` section, and who is logged in with the Log out button, added to its `status-bar`,
// so both pages show the same ones. On success the session is kept and `onSession` shows the page; Log out
// calls `onLogout`.

import { byId, el } from "./dom.js";
import { keepSession } from "./session.js";

function loginForm() {
  return [
    el("h2", { id: "login-title", text: "Supervisor login" }),
    el(
      "form",
      { id: "login-form", novalidate: true },
      el("label", { for: "supervisor-id", text: "Supervisor ID" }),
      el("input", { id: "supervisor-id", name: "supervisorId", autocomplete: "username", required: true, maxlength: 128 }),
      el("label", { for: "password", text: "Password" }),
      el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: 1024 }),
      el("button", { type: "submit", id: "login-button", text: "Log in" }),
      el("p", { id: "login-error", class: "error", role: "alert" }),
    ),
  ];
}

function whoAmI() {
  return [
    el("p", { class: "whoami" }, el("span", { class: "visually-hidden", text: "Logged in as " }), el("span", { id: "whoami" })),
    el("button", { type: "button", id: "logout", text: "Log out" }),
  ];
}

export function wireLogin(onSession, onLogout) {
  byId("login-view").replaceChildren(...loginForm());
  byId("status-bar").append(...whoAmI());
  byId("logout").addEventListener("click", () => onLogout());
  byId("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = byId("login-error");
    const supervisorId = byId("supervisor-id").value.trim();
    const password = byId("password").value;
    if (!supervisorId || !password) {
      error.textContent = "Enter your supervisor ID and password.";
      return;
    }
    error.textContent = "";
    const button = byId("login-button");
    button.disabled = true;
    try {
      const res = await fetch("/api/supervisor/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ supervisorId, password }) });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || typeof body.token !== "string") {
        error.textContent = body.error || `Login failed (${res.status}).`;
        return;
      }
      byId("password").value = "";
      keepSession(body);
      onSession(body);
    } catch {
      error.textContent = "The server cannot be reached. Try again.";
    } finally {
      button.disabled = false;
    }
  });
}
