/**
 * Cross-site WebSocket hijacking guard: a browser always sends Origin on a WebSocket handshake, so a page
 * on another site is recognised before the upgrade. Same origin means the Origin's host:port is the
 * Host the request was sent to. Clients that send no Origin at all are not browsers (a page cannot
 * suppress the header), and they still need a valid session token.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // includes "null" (sandboxed frames, file: pages)
  }
  if (allowed.includes(parsed.origin)) return true;
  return host !== undefined && host.toLowerCase() === parsed.host.toLowerCase();
}
