import http from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { freePort } from "../../src/lib/net.js";
import type { Logger } from "../../src/lib/logger.js";
import type { LeadPayload } from "../../src/jobs/index.js";

export interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  status: number;
}

export type Reply = { status: number; body?: string; headers?: Record<string, string> } | "hang";
export type Responder = (req: { headers: http.IncomingHttpHeaders; raw: string }) => Reply | Promise<Reply>;

/**
 * A real webhook receiver on loopback. `respond` decides each reply and can be swapped mid-test;
 * every request is recorded with the status it got.
 */
export class WebhookServer {
  readonly received: Received[] = [];
  respond: Responder = () => ({ status: 200 });
  private server: http.Server | undefined;

  constructor(readonly port: number) {}

  static async reservePort(): Promise<WebhookServer> {
    return new WebhookServer(await freePort());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/switchboard?token=do-not-log`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        void Promise.resolve(this.respond({ headers: req.headers, raw })).then((reply) => {
          if (reply === "hang") return; // never answered; the client's timeout has to end it
          this.received.push({ headers: req.headers, raw, status: reply.status });
          res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
          res.end(reply.body ?? "");
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Requests that were answered 2xx, keyed by delivery id. */
  accepted(): Map<string, Received[]> {
    const m = new Map<string, Received[]>();
    for (const r of this.received) {
      if (r.status < 200 || r.status >= 300) continue;
      const id = String(r.headers["x-switchboard-delivery"]);
      m.set(id, [...(m.get(id) ?? []), r]);
    }
    return m;
  }
}

/** A pino logger whose JSON lines are kept in memory for assertions. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(chunk.toString("utf8"));
      cb();
    },
  });
  const logger = pino({ level: "debug" }, stream);
  const lines: Array<Record<string, unknown>> = [];
  return {
    logger,
    lines,
    text: () => {
      lines.length = 0;
      for (const l of raw.join("").split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      return raw.join("");
    },
  };
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function lead(i: number, over: Partial<LeadPayload> = {}): LeadPayload {
  return {
    idempotencyKey: `call-${i}:offer-upgrade-pro5`,
    occurredAt: "2026-03-02T10:15:00.000Z",
    callId: `call-${i}`,
    customer: { id: `C-${1000 + i}`, name: `Customer ${i}`, phone: `+4930123${String(i).padStart(4, "0")}` },
    offer: { id: "upgrade-pro5", title: "Upgrade to Pro 5.0", value: 249 },
    agent: { id: "alice", name: "Alice" },
    notes: "wants a quote for 3 seats",
    ...over,
  };
}

/** Small backoff so retries happen within a test's time. */
export const fastRetries = { attempts: 100, backoff: { delayMs: 20, maxDelayMs: 200 } };
