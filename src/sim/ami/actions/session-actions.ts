/**
 * Session actions: Login, Logoff, Ping, Events, ListCommands. Replies as recorded
 * (ami-01, ami-02, ami-09).
 */
import { eventTv, microTimestamp } from "../fields.js";
import { authorityText, classBit, parseEventMask } from "../privileges.js";
import { error, header, responseHead, serialize, success } from "../wire.js";
import type { ActionSpec } from "./types.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const login: ActionSpec = {
  name: "Login",
  synopsis: "Login Manager.",
  privileges: [],
  async run({ m, session, server }) {
    if (session.authenticated) {
      session.write(success(m, "Already authenticated"));
      return;
    }
    const user = header(m, "Username");
    const account = server.account(user, header(m, "Secret"));
    if (!account) {
      // Asterisk sleeps a second before it answers a failed login, then ends the session
      if (server.authFailureDelayMs > 0) await sleep(server.authFailureDelayMs);
      session.write(error(m, "Authentication failed"));
      return "close";
    }
    const events = header(m, "Events");
    if (events !== "") {
      const mask = parseEventMask(events);
      if (mask >= 0) session.eventMask = mask;
    }
    session.loggedIn(user, account);
    session.write(success(m, "Authentication accepted"));
    const system = classBit("system");
    if (session.eventMask & system && session.readMask & system) {
      const now = Date.now();
      session.write(
        serialize([
          ["Event", "FullyBooted"],
          ["Privilege", "system,all"],
          ["Uptime", Math.floor((now - server.pbx.startupTime) / 1000)],
          ["LastReload", Math.floor((now - server.pbx.lastReloadTime) / 1000)],
          ["Status", "Fully Booted"],
        ]),
      );
    }
    // a security event: every session reading the security class sees it, this one included
    server.broadcast({
      name: "SuccessfulAuth",
      category: "security",
      fields: [
        ["EventTV", eventTv(Date.now())],
        ["Severity", "Informational"],
        ["Service", "AMI"],
        ["EventVersion", 1],
        ["AccountID", user],
        ["SessionID", session.sessionId],
        ["LocalAddress", session.localAddress],
        ["RemoteAddress", session.remoteAddress],
        ["UsingPassword", 0],
        ["SessionTV", eventTv(session.startedAt)],
      ],
    });
  },
};

export const logoff: ActionSpec = {
  name: "Logoff",
  synopsis: "Logoff Manager.",
  privileges: [],
  run({ m, session }) {
    session.write(serialize([...responseHead(m, "Goodbye"), ["Message", "Thanks for all the fish."]]));
    return "close";
  },
};

export const ping: ActionSpec = {
  name: "Ping",
  synopsis: "Keepalive command.",
  privileges: [],
  run({ m, session }) {
    session.write(serialize([...responseHead(m, "Success"), ["Ping", "Pong"], ["Timestamp", microTimestamp()]]));
  },
};

export const events: ActionSpec = {
  name: "Events",
  synopsis: "Control Event Flow.",
  privileges: [],
  run({ m, session }) {
    const mask = parseEventMask(header(m, "EventMask"));
    if (mask < 0) {
      session.write(error(m, "Invalid event mask"));
      return;
    }
    session.eventMask = mask;
    session.write(serialize([...responseHead(m, "Success"), ["Events", mask > 0 ? "On" : "Off"]]));
  },
};

export const listCommands: ActionSpec = {
  name: "ListCommands",
  synopsis: "List available manager commands.",
  privileges: [],
  run({ m, session, server }) {
    const specs = [...server.actions()].sort((a, b) => a.name.localeCompare(b.name));
    session.write(serialize([...responseHead(m, "Success"), ...specs.map((s) => [s.name, `${s.synopsis} (Priv: ${authorityText(s.privileges)})`] as [string, string])]));
  },
};
