// The wallboard page: the supervisor's login, then the board, redrawn from every snapshot the live stream
// brings, with a live / reconnecting indicator and the time of the last update.

import { renderBoard } from "./board.js";
import { byId } from "./dom.js";
import { clock } from "./format.js";
import { currentSession, forgetSession, keepSession } from "./session.js";
import { connectStream } from "./stream.js";

const STATE_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };

let stream = null;

function setLive(state) {
  const box = byId("live-state");
  if (box.dataset.state === state) return;
  box.dataset.state = state;
  byId("status-bar").dataset.state = state; // the update time turns amber while the numbers are not live
  byId("live-text").textContent = STATE_TEXT[state];
}

function showSnapshot(snapshot) {
  renderBoard(snapshot);
  const updated = byId("updated");
  updated.textContent = clock(snapshot.at, snapshot.timeZone);
  updated.dateTime = new Date(snapshot.at).toISOString();
}

function showBoard(session) {
  byId("login-view").hidden = true;
  byId("board").hidden = false;
  byId("status-bar").hidden = false;
  byId("whoami").textContent = session.supervisor.name;
  setLive("connecting");
  stream = connectStream({
    token: session.token,
    onSnapshot: showSnapshot,
    onState: setLive,
    onExpired: () => showLogin("Your session has ended. Log in again."),
  });
}

function showLogin(message = "") {
  stream?.stop();
  stream = null;
  forgetSession();
  byId("board").hidden = true;
  byId("status-bar").hidden = true;
  byId("login-view").hidden = false;
  byId("login-error").textContent = message;
  byId("supervisor-id").focus();
}

async function logIn(event) {
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
    showBoard(body);
  } catch {
    error.textContent = "The server cannot be reached. Try again.";
  } finally {
    button.disabled = false;
  }
}

byId("login-form").addEventListener("submit", logIn);
byId("logout").addEventListener("click", () => showLogin());

const session = currentSession();
if (session) showBoard(session);
else showLogin();
