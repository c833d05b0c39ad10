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
 * | GET | /agents, /agents/:endpoint | agent phones and their device state |
 * | POST | /agents/:endpoint | register/unregister, change behaviour (adds an unknown endpoint) |
 *
 * Malformed JSON, unknown fields and bad values are 400 `{ "error": reason }`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sameSecret } from "../../lib/same-secret.js";
import type { SimControl } from "./api.js";
import { ControlError, type AgentPatch, type PlaceCallInput } from "./requests.js";

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

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new HttpError(413, `body larger than ${max} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function jsonBody(req: http.IncomingMessage, max: number): Promise<unknown> {
  const text = await readBody(req, max);
  if (text.trim() === "") return {};
  const type = req.headers["content-type"] ?? "application/json";
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, "send application/json");
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, `malformed JSON: ${(e as Error).message}`);
  }
}

/** `control` is a getter so the server keeps its port across simulator restarts. */
export async function startControlServer(control: () => SimControl, opts: ControlServerOptions = {}): Promise<ControlServer> {
  const host = opts.host ?? "127.0.0.1";
  const max = opts.maxBodyBytes ?? 64 * 1024;

  const route = async (req: http.IncomingMessage): Promise<{ status: number; body: unknown }> => {
    if (opts.token !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
      if (!m || !sameSecret(m[1]!, opts.token)) throw new HttpError(401, "bearer token required", { "WWW-Authenticate": 'Bearer realm="switchboard-sim"' });
    }
    const url = new URL(req.url ?? "/", "http://control");
    const parts = url.pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
    const method = req.method ?? "GET";
    const allow = (methods: string[]): void => {
      if (!methods.includes(method)) throw new HttpError(405, `use ${methods.join(" or ")}`, { Allow: methods.join(", ") });
    };
    const c = control();
    const [head, ...rest] = parts;
    if (head === "calls" && rest.length === 0) {
      allow(["GET", "POST"]);
      if (method === "GET") return { status: 200, body: c.listCalls() };
      // validated inside placeCall
      return { status: 201, body: c.placeCall((await jsonBody(req, max)) as PlaceCallInput) };
    }
    if (head === "calls" && rest.length === 1) {
      allow(["GET"]);
      const rec = c.getCall(rest[0]!);
      if (!rec) throw new HttpError(404, "Call not found");
      return { status: 200, body: rec };
    }
    if (head === "channels" && rest.length === 0) {
      allow(["GET"]);
      return { status: 200, body: c.listChannels() };
    }
    if (head === "channels" && rest.length === 2 && rest[1] === "hearing") {
      allow(["GET"]);
      const t = c.hearing(rest[0]!);
      if (!t) throw new HttpError(404, "Channel not found");
      return { status: 200, body: t };
    }
    if (head === "bridges" && rest.length === 0) {
      allow(["GET"]);
      return { status: 200, body: c.listBridges() };
    }
    if (head === "agents" && rest.length === 0) {
      allow(["GET"]);
      return { status: 200, body: c.listAgents() };
    }
    if (head === "agents") {
      // the endpoint may come encoded (PJSIP%2F1001) or as two segments (PJSIP/1001)
      const endpoint = rest.join("/");
      allow(["GET", "POST"]);
      if (method === "GET") {
        const a = c.getAgent(endpoint);
        if (!a) throw new HttpError(404, "Agent not found");
        return { status: 200, body: a };
      }
      return { status: 200, body: c.updateAgent(endpoint, (await jsonBody(req, max)) as AgentPatch) };
    }
    throw new HttpError(404, "Not found");
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store", ...headers });
      res.end(text);
    };
    route(req).then(
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
