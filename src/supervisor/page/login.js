// The supervisor login form of the wallboard and the live calls page (one session storage): on success the
// session is kept and `onSession` shows the page.

import { byId } from "./dom.js";
import { keepSession } from "./session.js";

export function wireLogin(onSession) {
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
