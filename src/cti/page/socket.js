// The desk's WebSocket: authenticates with the session token, reconnects with backoff, and matches the
// server's `ok` / `error` answers to the requests that asked for them.
import { $ } from "./dom.js";
import { currentSession } from "./session.js";

const SUBPROTOCOL = "switchboard.agent.v1";
const CLOSE_AUTH = 4401;

let ws = null;
let attempt = 0;
let reconnectTimer = null;
let seq = 0;
const pending = new Map();
/** `{message(msg), sessionEnded()}`: what the page does with the server's messages. */
let page = null;

export function setConn(text, cls) {
  const c = $("conn");
  c.textContent = text;
  c.className = `conn ${cls}`;
}

/** Connects for the current session, and stays connected until `disconnect`. */
export function connect(handlers) {
  page = handlers;
  openSocket();
}

export function disconnect() {
  clearTimeout(reconnectTimer);
  if (ws) {
    const old = ws;
    ws = null;
    old.close(1000, "logout");
  }
  setConn("Not connected", "");
}

/** Sends `msg` with an id; `onOk` or `onError` (with a message to show) runs when the server answers. */
export function request(msg, onOk, onError) {
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    onError("Not connected to the server; wait for the connection to come back.");
    return;
  }
  const id = `r${++seq}`;
  pending.set(id, { ok: onOk, error: onError });
  ws.send(JSON.stringify({ ...msg, id }));
}

function openSocket() {
  clearTimeout(reconnectTimer);
  if (!currentSession()) return;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/agent/ws`;
  setConn(attempt ? "Reconnecting…" : "Connecting…", "");
  const socket = new WebSocket(url, SUBPROTOCOL);
  ws = socket;
  // the token goes in the first message, never in the URL (URLs end up in logs)
  socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "auth", token: currentSession().token })));
  socket.addEventListener("message", (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    received(msg);
  });
  socket.addEventListener("close", (ev) => closed(socket, ev));
}

function received(msg) {
  if (msg.type === "welcome") {
    attempt = 0;
    setConn("Connected", "up");
  }
  if (msg.type === "ok" || msg.type === "error") {
    const p = msg.id ? pending.get(msg.id) : undefined;
    if (p) {
      pending.delete(msg.id);
      if (msg.type === "ok") p.ok();
      else p.error(msg.message);
      return;
    }
  }
  page.message(msg);
}

function closed(socket, ev) {
  if (ws !== socket) return; // replaced or logged out
  ws = null;
  for (const p of pending.values()) p.error("The connection dropped before the server answered. Try again.");
  pending.clear();
  if (ev.code === CLOSE_AUTH) {
    page.sessionEnded();
    return;
  }
  // capped exponential backoff with jitter, so a restarted daemon is not hit by every desk at once
  const delay = Math.min(15000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
  attempt += 1;
  setConn(`Disconnected; reconnecting in ${Math.ceil(delay / 1000)} s`, "down");
  reconnectTimer = setTimeout(openSocket, delay);
}
