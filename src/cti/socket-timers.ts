import { CLOSE_AUTH } from "./protocol.js";
import type { Client } from "./sockets.js";

/** setTimeout's limit; longer sessions are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

/** A socket that has not authenticated by then is closed. */
export function armAuthDeadline(client: Client, ms: number): void {
  client.timer = setTimeout(() => client.ws.close(CLOSE_AUTH, "authentication timed out"), ms);
  client.timer.unref();
}

/** The socket closes with CLOSE_AUTH when its session expires (epoch ms), and the page shows the login. */
export function armSessionExpiry(client: Client, exp: number): void {
  clearTimeout(client.timer);
  const left = exp - Date.now();
  client.timer = setTimeout(() => {
    if (Date.now() >= exp) client.ws.close(CLOSE_AUTH, "session expired");
    else armSessionExpiry(client, exp);
  }, Math.min(Math.max(left, 0), MAX_TIMER_MS));
  client.timer.unref();
}

/** Pings every socket each period and drops one that missed the previous pong; returns the stop. */
export function keepAlive(clients: Iterable<Client>, periodMs: number): () => void {
  const pinger = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, periodMs);
  pinger.unref();
  return () => clearInterval(pinger);
}
