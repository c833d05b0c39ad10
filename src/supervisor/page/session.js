// The supervisor's session token, kept in sessionStorage: it lasts for the tab (a wall screen's reload
// keeps it) and is never sent in a URL.

const SESSION_KEY = "switchboard.supervisor.session";

let current = readSession();

function readSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    return s && typeof s.token === "string" && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

/** `{token, supervisor: {id, name}, expiresAt}`, or null when logged out. */
export const currentSession = () => current;

export function keepSession(session) {
  current = session;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function forgetSession() {
  current = null;
  sessionStorage.removeItem(SESSION_KEY);
}
