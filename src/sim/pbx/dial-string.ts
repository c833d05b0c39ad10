/**
 * The resource of an endpoint dial string (`PJSIP/<resource>`), read the way chan_pjsip reads it
 * (Asterisk's "Dialing PJSIP Channels"): `endpoint`, or `user@endpoint` to dial the endpoint's contact
 * with `user` as the Request-URI's user part (a trunk: `PJSIP/5551234@customers`), optionally followed
 * by `/<aor or SIP URI>` (`PJSIP/customers/sip:5551234@carrier.example`).
 */
import type { EndpointConfig } from "../model/phone.js";

export interface DialTarget {
  /** The configured endpoint dialed. */
  endpoint: EndpointConfig;
  /** The Request-URI's user, when the dial string names one. */
  requestUser?: string;
}

/** The user part of a `sip:`/`sips:` URI, if it has one. */
function uriUser(uri: string): string | undefined {
  const m = /^sips?:([^@;>]+)@/i.exec(uri);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/**
 * The endpoint `resource` dials, or undefined when there is none (Asterisk: cause 3, "Allocation
 * failed" for an originate). A whole `name@domain` that is itself an endpoint wins (multi-domain
 * endpoints); otherwise the part before the first `@` is the user and the rest the endpoint.
 */
export function resolveDialTarget(tech: string, resource: string, lookup: (device: string) => EndpointConfig | undefined): DialTarget | undefined {
  const slash = resource.indexOf("/");
  const name = slash < 0 ? resource : resource.slice(0, slash);
  const fromUri = slash < 0 ? undefined : uriUser(resource.slice(slash + 1));
  if (name === "") return undefined;
  const exact = lookup(`${tech}/${name}`);
  if (exact) return { endpoint: exact, ...(fromUri !== undefined ? { requestUser: fromUri } : {}) };
  const at = name.indexOf("@");
  if (at < 0 || at === name.length - 1) return undefined;
  const endpoint = lookup(`${tech}/${name.slice(at + 1)}`);
  if (!endpoint) return undefined;
  const user = name.slice(0, at);
  return { endpoint, ...(user !== "" ? { requestUser: user } : fromUri !== undefined ? { requestUser: fromUri } : {}) };
}
