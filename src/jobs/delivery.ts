import { UnrecoverableError } from "bullmq";
import { parseRetryAfter } from "./backoff.js";
import type { AnyPayload, JobKind } from "./payloads.js";
import { signBody } from "./signature.js";

/** What the receiver gets as the JSON body. `delivery` repeats the X-Switchboard-Delivery header. */
export interface DeliveryBody {
  delivery: string;
  kind: JobKind;
  attempt: number;
  /** Same instant as X-Switchboard-Timestamp; inside the signed body, so it cannot be altered. */
  sentAt: string;
  data: AnyPayload;
}

export interface DeliveryRequest {
  body: string;
  headers: Record<string, string>;
}

/** Body and headers of one attempt. Pure: the clock and the secret come in as arguments. */
export function buildDelivery(args: {
  kind: JobKind;
  deliveryId: string;
  attempt: number;
  payload: AnyPayload;
  secret: string;
  now: Date;
}): DeliveryRequest {
  // Whole seconds, so the header and the signed body state exactly the same instant.
  const seconds = Math.floor(args.now.getTime() / 1000);
  const body: DeliveryBody = {
    delivery: args.deliveryId,
    kind: args.kind,
    attempt: args.attempt,
    sentAt: new Date(seconds * 1000).toISOString(),
    data: args.payload,
  };
  const raw = JSON.stringify(body);
  return {
    body: raw,
    headers: {
      "content-type": "application/json",
      "user-agent": "Switchboard-Webhooks/1",
      "x-switchboard-event": args.kind,
      "x-switchboard-delivery": args.deliveryId,
      "x-switchboard-attempt": String(args.attempt),
      "x-switchboard-timestamp": String(seconds),
      "x-switchboard-signature": signBody(raw, args.secret),
      "idempotency-key": args.payload.idempotencyKey,
    },
  };
}

export type Verdict = "delivered" | "retry" | "permanent";

/**
 * 2xx: delivered. 4xx means the receiver rejects this request as such, so repeating it cannot help,
 * except 408 (timeout) and 429 (slow down). Everything else (3xx, 5xx) may pass later.
 */
export function verdictFor(status: number): Verdict {
  if (status >= 200 && status < 300) return "delivered";
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return "permanent";
  return "retry";
}

/** A failed attempt worth repeating; `retryAfterMs` carries the receiver's Retry-After if it sent one. */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "RetryableDeliveryError";
  }
}

/** Scheme, host and path only: a query string may carry a receiver's token and must not reach logs. */
export function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

const REASON_CHARS = 300;

/**
 * POSTs one attempt. Resolves with the status on 2xx; throws UnrecoverableError for a permanent
 * rejection and RetryableDeliveryError otherwise (network error, timeout, 408/429/5xx, redirect).
 * Redirects are not followed: a POST must not be replayed, signature included, to another address.
 */
export async function postDelivery(url: string, req: DeliveryRequest, timeoutMs: number): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new RetryableDeliveryError(`${safeUrl(url)}: ${describeFetchError(err, timeoutMs)}`);
  }
  // Read the reply (bounded by the same timeout) so the connection is released and the reason kept.
  const text = await res.text().catch(() => "");
  const verdict = verdictFor(res.status);
  if (verdict === "delivered") return res.status;
  const reason = `${safeUrl(url)} answered ${res.status}${text ? `: ${text.slice(0, REASON_CHARS)}` : ""}`;
  if (verdict === "permanent") throw new UnrecoverableError(reason);
  throw new RetryableDeliveryError(reason, parseRetryAfter(res.headers.get("retry-after"), Date.now()));
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") return `no answer within ${timeoutMs} ms`;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
