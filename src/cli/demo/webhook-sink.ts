import http from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "../../jobs/signature.js";
import type { Logger } from "../../lib/logger.js";

/**
 * The systems behind the webhooks, for the demo: one small HTTP server on loopback that takes the
 * daemon's signed deliveries (a path per webhook name, each with its own secret), checks each signature
 * as a real receiver must, answers 200, and says in one line what arrived: leads and sales shown,
 * history entries counted.
 */

const MAX_BODY = 256 * 1024;

export interface WebhookSink {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** The URL of a webhook name (leads, sales, ...). */
  url(name: string): string;
  /** Deliveries accepted, by job kind (lead, sale, express-upgrade, history, ...). */
  readonly received: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

interface Delivery {
  kind: string;
  data: Record<string, unknown>;
}

export async function startWebhookSink(secrets: Record<string, string>, log: Logger): Promise<WebhookSink> {
  const received = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const name = /^\/hooks\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "")?.[1];
    const secret = name ? secrets[name] : undefined;
    if (req.method !== "POST" || !secret) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (size > MAX_BODY || !verifySignature(body, req.headers["x-switchboard-signature"] as string | undefined, secret)) {
        log.warn({ webhook: name }, "webhook sink refused a delivery: bad signature");
        res.writeHead(401).end();
        return;
      }
      let d: Delivery;
      try {
        d = JSON.parse(body.toString("utf8")) as Delivery;
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      received.set(d.kind, (received.get(d.kind) ?? 0) + 1);
      announce(d, log);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    url: (name) => `${base}/hooks/${name}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One line for what a person watching wants to see arrive: a lead or a sale (history entries are only counted). */
function announce(d: Delivery, log: Logger): void {
  const data = d.data;
  const customer = data.customer as { name?: string; phone?: string } | undefined;
  const who = customer?.name ?? customer?.phone ?? "?";
  const offer = data.offer as { title?: string } | undefined;
  const agent = (data.agent as { id?: string } | undefined)?.id;
  if (d.kind === "lead") log.info({ detail: `${who}: ${offer?.title ?? "?"}${agent ? ` (agent ${agent})` : ""}` }, "lead received by the sales system");
  else if (d.kind === "sale") log.info({ detail: `${who}: ${offer?.title ?? "?"}, ${String(data.amount)} ${String(data.currency)}${agent ? ` (agent ${agent})` : ""}` }, "sale received by billing");
  else if (d.kind === "express-upgrade") log.info({ detail: `${who}: express lane bought in the IVR, ${String(data.price)} ${String(data.currency)}` }, "sale received by billing");
  else if (d.kind === "express-credit") log.info({ detail: `${who}: ${String(data.kind)} of ${String(data.amount)} ${String(data.currency)}` }, "express credit received by billing");
}
