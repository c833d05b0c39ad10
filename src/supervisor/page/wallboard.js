// The wallboard page: the supervisor's login, then the board, redrawn from every snapshot the live stream
// brings, with a live / reconnecting indicator and the time of the last update.

import { renderBoard } from "./board.js";
import { byId } from "./dom.js";
import { clock } from "./format.js";
import { wireLogin } from "./login.js";
import { currentSession, forgetSession } from "./session.js";
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

wireLogin(showBoard, () => showLogin());

const session = currentSession();
if (session) showBoard(session);
else showLogin();
