/**
 * Cross-site WebSocket hijacking guard: a browser always sends Origin on a WebSocket handshake, so a page
 * on another site is recognised before the upgrade. Same origin means scheme, host and port all match
 * the daemon's own: the scheme it serves (`http`, or `https` on a TLS socket) with the Host the request
 * was sent to. So a page at https://desk:8080 is not the same origin as the daemon at http://desk:8080.
 * Clients that send no Origin at all are not browsers (a page cannot suppress the header), and they
 * still need a valid session token.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[], scheme: "http" | "https" = "http"): boolean {
  if (origin === undefined) return true;
  const given = originOf(origin);
  if (given === null) return false; // includes "null" (sandboxed frames, file: pages)
  if (allowed.includes(given)) return true;
  // a Host is a host and an optional port, nothing that could turn into a path or a user part
  if (host === undefined || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) return false;
  return originOf(`${scheme}://${host}`) === given;
}

/** The URL's origin, normalised (case, default port) as the URL parser spells it; null when it has none. */
function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}
