/**
 * The control API over HTTP (JSON, loopback, its own port; bearer token optional):
 *
 * | method | path | what |
 * | --- | --- | --- |
 * | POST | /calls | place one synthetic call -> 201 `{ channelId, channelName }` |
 * | GET | /calls | every call the API knows (live and recently ended), in brief |
 * | GET | /calls/:id | the call's record: state, heard media, DTMF sent, bridges, hangup |
 * | GET | /channels, /bridges | the PBX's channels and bridges (snapshots) |
 * | GET | /channels/:id/hearing | what the channel heard: prompt, music on hold, bridged, silence spans (simulated ms) |
 * | GET | /channels/:id/audio | `{ muted: { in, out }, held }`: ARI mute and hold of the channel |
 * | GET | /agents, /agents/:endpoint | agent phones and their device state |
 * | POST | /agents/:endpoint | register/unregister, change behaviour (adds an unknown endpoint) |
 * | GET, POST | /customers, /customers/default, /customers/:number | customers the daemon calls (`./customer-routes.ts`) |
 * | GET | /customer-calls[?number=], /customer-calls/:channelId | what happened on each customer call |
 *
 * Malformed JSON, unknown fields and bad values are 400 `{ "error": reason }`. Routing is in `./routes.ts`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sameSecret } from "../../lib/same-secret.js";
import type { SimControl } from "./api.js";
import { HttpError, jsonBody, type RouteReply, type RouteRequest } from "./http.js";
import { ControlError } from "./requests.js";
import { routeControl } from "./routes.js";

export interface ControlServerOptions {
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest accepted body (default 64 KiB). */
  maxBodyBytes?: number;
}

export interface ControlServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** `control` is a getter so the server keeps its port across simulator restarts. */
export async function startControlServer(control: () => SimControl, opts: ControlServerOptions = {}): Promise<ControlServer> {
  const host = opts.host ?? "127.0.0.1";
  const max = opts.maxBodyBytes ?? 64 * 1024;

  const route = (req: http.IncomingMessage): Promise<RouteReply> => {
    if (opts.token !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
      if (!m || !sameSecret(m[1]!, opts.token)) throw new HttpError(401, "bearer token required", { "WWW-Authenticate": 'Bearer realm="switchboard-sim"' });
    }
    const url = new URL(req.url ?? "/", "http://control");
    const method = req.method ?? "GET";
    const r: RouteRequest = {
      method,
      parts: url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent),
      query: url.searchParams,
      body: () => jsonBody(req, max),
      allow: (methods) => {
        if (!methods.includes(method)) throw new HttpError(405, `use ${methods.join(" or ")}`, { Allow: methods.join(", ") });
      },
    };
    return routeControl(control(), r);
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store", ...headers });
      res.end(text);
    };
    // a synchronous throw (401, a malformed path) is answered like a rejected route
    Promise.resolve()
      .then(() => route(req))
      .then(
        (r) => send(r.status, r.body),
        (e: unknown) => {
          if (e instanceof HttpError) send(e.status, { error: e.message }, e.headers);
          else if (e instanceof ControlError) send(e.status, { error: e.message });
          else send(500, { error: "internal error" });
          // drain what the client still sends so the reply is not cut off by a reset
          req.resume();
        },
      );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
