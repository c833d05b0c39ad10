// Switchboard agent desktop. Plain ES modules, no framework, no build step. Every string that can come from
// a caller, the CRM or an offer rule is put on the page with textContent, never parsed as HTML (dom.js).
// This module: the login and desk views, and what the server's messages change on them.
import { $ } from "./dom.js";
import { showShortcuts } from "./keys.js";
import { setMenu } from "./menu.js";
import { clearCards, forgetCalls, lineChanged, recorded, removeCard, showPop, updateEmpty } from "./pop.js";
import { currentSession, forgetSession, keepSession } from "./session.js";
import { connect, disconnect, request } from "./socket.js";
import { setState, showStateError, showStatus } from "./state.js";

const server = {
  message: onMessage,
  sessionEnded: () => logout("Your session has ended. Please log in again."),
};

// ---- login ----------------------------------------------------------------------------------------

async function login(ev) {
  ev.preventDefault();
  const error = $("login-error");
  error.textContent = "";
  const agentId = $("agent-id").value.trim();
  const password = $("password").value;
  if (!agentId || !password) {
    error.textContent = "Enter your agent ID and password.";
    return;
  }
  let res;
  try {
    res = await fetch("/api/agent/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agentId, password }),
    });
  } catch {
    error.textContent = "The server cannot be reached. Try again.";
    return;
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    error.textContent = body.error || `Login failed (${res.status}).`;
    return;
  }
  $("password").value = "";
  keepSession({ token: body.token, agent: body.agent, expiresAt: body.expiresAt });
  showDesk();
  connect(server);
}

function logout(message) {
  forgetSession();
  disconnect();
  forgetCalls();
  $("desk-view").hidden = true;
  $("logout").hidden = true;
  $("whoami").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("agent-id").focus();
}

function showDesk() {
  const { agent } = currentSession();
  $("login-view").hidden = true;
  $("desk-view").hidden = false;
  $("logout").hidden = false;
  const who = $("whoami");
  who.hidden = false;
  who.textContent = `${agent.name} (${agent.id})`;
}

// ---- the server's messages (answers to requests are matched in socket.js) -------------------------

function onMessage(msg) {
  switch (msg.type) {
    case "welcome":
      // the server sends every call still on this desk right after: start from a clean slate
      setMenu(msg.desk);
      showShortcuts();
      clearCards();
      updateEmpty();
      if (msg.status) showStatus(msg.status);
      break;
    case "pop":
    case "ringing":
      showPop(msg.pop);
      break;
    case "line":
      lineChanged(msg.line);
      break;
    case "recorded":
      recorded(msg);
      break;
    case "popCleared":
      removeCard(msg.callId);
      break;
    case "status":
      showStatus(msg);
      break;
    case "error":
      showStateError(msg.message);
      break;
  }
}

// ---- start ----------------------------------------------------------------------------------------

$("login-form").addEventListener("submit", login);
$("logout").addEventListener("click", () => {
  const done = () => logout("");
  request({ type: "state", state: "offline" }, done, done);
});
$("go-available").addEventListener("click", () => setState("available"));
$("go-paused").addEventListener("click", () => setState("paused"));
$("go-offline").addEventListener("click", () => setState("offline"));
if (currentSession()) {
  showDesk();
  connect(server);
} else {
  $("agent-id").focus();
}
