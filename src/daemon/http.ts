import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../config/schema.js";
import { errorHandler } from "../http/errors.js";
import { healthRouter, type HealthCheck } from "../http/health.js";
import type { Logger } from "../lib/logger.js";
import { startParts, type Running } from "./lifecycle.js";

export interface HttpDeps {
  config: Config["http"];
  /** What /readyz reports. */
  checks: HealthCheck[];
  /** Mounted in this order after health, before the 404 for everything else. */
  routes: Array<express.Router | [path: string, router: express.Router]>;
  /**
   * What answers the server's upgrades (the agent sockets): put on the server before it listens, and
   * stopped before it closes, since a socket still open would hold the close up.
   */
  sockets: ((server: http.Server) => Promise<Running>) | undefined;
  log: Logger;
}

export interface HttpServer extends Running {
  /** The server's address (useful with port 0). */
  url: string;
}

/** The daemon's HTTP server: health, then the routes of the capabilities, listening on `http.host:port`; errors end as JSON. */
export function serveHttp(deps: HttpDeps): Promise<HttpServer> {
  let shuttingDown = false;
  const app = express();
  app.disable("x-powered-by");
  // the client address (req.ip) comes from X-Forwarded-For only when the peer is one of these proxies
  app.set("trust proxy", deps.config.trustProxy.length ? deps.config.trustProxy : false);
  app.use(healthRouter(() => deps.checks, () => shuttingDown));
  for (const r of deps.routes) {
    if (Array.isArray(r)) app.use(r[0], r[1]);
    else app.use(r);
  }
  app.use((_req, res) => void res.status(404).json({ error: "not found" }));
  // last: nothing a route throws reaches the client as express's HTML page with its stack
  app.use(errorHandler(deps.log));
  const server = http.createServer(app);
  return startParts(deps.log, async (parts) => {
    parts.addStop(() => new Promise<void>((r) => server.close(() => r())));
    // added after the server's close so it runs first: sockets end with 1001 before the server closes
    if (deps.sockets) parts.add(await deps.sockets(server));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(deps.config.port, deps.config.host, () => resolve());
    });
    return {
      url: urlOf(server.address() as AddressInfo),
      drain() {
        shuttingDown = true;
        server.closeAllConnections?.();
      },
      stop: () => parts.stop(),
    };
  });
}

function urlOf(address: AddressInfo): string {
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
