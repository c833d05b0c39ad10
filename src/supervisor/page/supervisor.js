// The live calls page: the supervisor's login, then the calls with an agent, refreshed every 2 seconds,
// and on each call Listen / Whisper / Barge in / Stop / Record, each a POST with the session's token; below
// them the recorded calls, each with its Download for a supervisor who may fetch recordings.

import { renderCalls, tick } from "./calls-table.js";
import { byId } from "./dom.js";
import { wireLogin } from "./login.js";
import { renderRecordings } from "./recordings-table.js";
import { currentSession, forgetSession } from "./session.js";

const REFRESH_MS = 2000;
const DONE = {
  listen: "Your phone rings: answer it to listen.",
  whisper: "Your phone rings: answer it to whisper to the agent (the caller does not hear you).",
  barge: "Your phone rings: answer it to join the call.",
  stop: "You have left the call.",
  record: "The caller is told, then the call is recorded.",
  "record-stop": "Recording stopped.",
};
const PATHS = { listen: "listen", whisper: "whisper", barge: "barge", stop: "stop", record: "record/start", "record-stop": "record/stop" };

let timer = null;
let ticker = null;

const auth = () => ({ Authorization: `Bearer ${currentSession()?.token ?? ""}` });

function say(text, error = "") {
  byId("action-status").textContent = text;
  byId("action-error").textContent = error;
}

async function refresh() {
  let res;
  let recorded;
  try {
    [res, recorded] = await Promise.all([fetch("/api/supervisor/calls", { headers: auth() }), fetch("/api/supervisor/recordings", { headers: auth() })]);
  } catch {
    say("", "The server cannot be reached; trying again.");
    return;
  }
  if (res.status === 401) return showLogin("Your session has ended. Log in again.");
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    say("", body.error || `The calls cannot be read (${res.status}).`);
    return;
  }
  const skew = body.at - Date.now();
  renderCalls(byId("calls-body"), body, { skew, onAction: act, onDownload: download });
  byId("no-calls").hidden = body.calls.length > 0;
  byId("calls").hidden = body.calls.length === 0;
  byId("you").textContent = youLine(body);
  const list = await recorded.json().catch(() => ({}));
  if (recorded.ok && Array.isArray(list.recordings)) {
    renderRecordings(byId("recorded-body"), list.recordings, { may: body.you.may.includes("recordings"), onDownload: download });
    byId("no-recorded").hidden = list.recordings.length > 0;
    byId("recorded").hidden = list.recordings.length === 0;
  }
  const updated = byId("updated");
  updated.textContent = new Date(body.at).toLocaleTimeString("en-GB", { hourCycle: "h23" });
  updated.dateTime = new Date(body.at).toISOString();
}

const DOING = { listen: "listening to", whisper: "whispering to the agent on", barge: "in" };

/** Which phone rings, and what the supervisor is doing on which call. */
function youLine(body) {
  const { phone, monitor } = body.you;
  if (!phone) return "No phone is configured for you: you can watch and record calls, not listen.";
  const call = monitor && body.calls.find((c) => c.callId === monitor.callId);
  if (!monitor || !call) return `Your phone: ${phone}.`;
  const whose = `the call of ${call.agent.name} and ${call.caller.number || "the caller"}`;
  if (monitor.state === "ringing") return `Your phone ${phone} rings for ${whose}: answer it.`;
  return `Your phone: ${phone}. You are ${DOING[monitor.mode]} ${whose}.`;
}

async function act(action, call, button) {
  button.disabled = true;
  say("");
  try {
    const res = await fetch(`/api/supervisor/calls/${PATHS[action]}`, {
      method: "POST",
      headers: { ...auth(), "Content-Type": "application/json" },
      body: JSON.stringify({ callId: call.callId }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) return showLogin("Your session has ended. Log in again.");
    if (!res.ok) say("", body.error || `Refused (${res.status}).`);
    else say(DONE[action]);
  } catch {
    say("", "The server cannot be reached. Try again.");
  } finally {
    button.disabled = false;
    await refresh();
  }
}

async function download(recording) {
  say("");
  try {
    const res = await fetch(recording.url, { headers: auth() });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      return say("", body.error || `The recording cannot be fetched (${res.status}).`);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement("a"), { href: url, download: `${recording.name}.wav` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say("Recording downloaded.");
  } catch {
    say("", "The server cannot be reached. Try again.");
  }
}

function showCalls(session) {
  byId("login-view").hidden = true;
  byId("calls-view").hidden = false;
  byId("recorded-view").hidden = false;
  byId("status-bar").hidden = false;
  byId("whoami").textContent = session.supervisor.name;
  void refresh();
  timer = setInterval(() => void refresh(), REFRESH_MS);
  ticker = setInterval(() => tick(byId("calls-body")), 1000);
}

function showLogin(message = "") {
  clearInterval(timer);
  clearInterval(ticker);
  forgetSession();
  byId("calls-body").replaceChildren();
  byId("recorded-body").replaceChildren();
  byId("calls-view").hidden = true;
  byId("recorded-view").hidden = true;
  byId("status-bar").hidden = true;
  byId("login-view").hidden = false;
  byId("login-error").textContent = message;
  byId("supervisor-id").focus();
}

wireLogin(showCalls, () => showLogin());
const session = currentSession();
if (session) showCalls(session);
else showLogin();
