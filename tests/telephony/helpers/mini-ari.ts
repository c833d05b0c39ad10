import http from "node:http";
import type net from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/**
 * A tiny ARI server on loopback for failure-mode tests: real HTTP and a real WebSocket, Basic auth,
 * a minimal set of API declarations written for these tests (Swagger 1.1 shape, as ari-client expects),
 * a few channel/bridge operations with the error bodies Asterisk 22 was recorded sending, and switches
 * to misbehave: stall everything, stall after the credential check, stop answering pings, drop
 * connections, push arbitrary frames.
 */
export interface MiniAriOptions {
  username?: string;
  password?: string;
  /** Reuse a port (restart tests); default: a free one. */
  port?: number;
}

interface Operation {
  method: string;
  nickname: string;
  responseClass: string;
  params: Array<[name: string, paramType: "path" | "query" | "body", required: boolean]>;
}

type Api = Record<string, Operation[]>;

const op = (method: string, nickname: string, responseClass: string, ...params: Operation["params"]): Operation => ({
  method,
  nickname,
  responseClass,
  params,
});

/** resource -> path -> operations; only what the tests exercise. */
const DECLARATIONS: Record<string, Api> = {
  asterisk: {
    "/asterisk/info": [op("GET", "getInfo", "AsteriskInfo")],
    "/asterisk/ping": [op("GET", "ping", "AsteriskPing")],
  },
  channels: {
    "/channels": [
      op("GET", "list", "List[Channel]"),
      op("POST", "originate", "Channel", ["endpoint", "query", true], ["app", "query", false], ["appArgs", "query", false], ["callerId", "query", false], ["timeout", "query", false], ["channelId", "query", false], ["variables", "body", false]),
    ],
    "/channels/{channelId}": [op("GET", "get", "Channel", ["channelId", "path", true]), op("DELETE", "hangup", "void", ["channelId", "path", true], ["reason", "query", false], ["reason_code", "query", false])],
    "/channels/{channelId}/answer": [op("POST", "answer", "void", ["channelId", "path", true])],
    "/channels/{channelId}/play/{playbackId}": [op("POST", "playWithId", "Playback", ["channelId", "path", true], ["playbackId", "path", true], ["media", "query", true], ["lang", "query", false])],
    "/channels/{channelId}/variable": [
      op("GET", "getChannelVar", "Variable", ["channelId", "path", true], ["variable", "query", true]),
      op("POST", "setChannelVar", "void", ["channelId", "path", true], ["variable", "query", true], ["value", "query", false]),
    ],
  },
  bridges: {
    "/bridges/{bridgeId}/addChannel": [op("POST", "addChannel", "void", ["bridgeId", "path", true], ["channel", "query", true], ["role", "query", false])],
  },
  applications: {
    "/applications/{applicationName}": [op("GET", "get", "Application", ["applicationName", "path", true])],
  },
};

export interface MiniChannel {
  id: string;
  name: string;
  state: string;
  inStasis: boolean;
  variables: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: string;
}

export class MiniAri {
  readonly username: string;
  readonly password: string;
  port = 0;
  /** Accept TCP connections but never answer (HTTP or upgrade). */
  stallAll = false;
  /** Answer /ari/asterisk/info, stall everything else (so ari-client's connect hangs). */
  stallAfterInfo = false;
  /** Stop answering GET /ari/asterisk/ping and WebSocket pings. */
  silent = false;
  /** Refuse WebSocket upgrades with this status (401 JSON, or an HTML page for others, as a restarting Asterisk). */
  refuseUpgrade: number | undefined = undefined;
  /** Answer the API declarations with 401 (credentials changed between the check and the API load). */
  refuseApiDocs = false;
  /** Answer the API declarations with 200 and a body that is not JSON. */
  garbageApiDocs = false;
  /** TCP connections accepted so far. */
  connections = 0;
  /** WebSocket upgrade requests seen (any outcome). */
  upgrades = 0;
  readonly requests: RecordedRequest[] = [];
  readonly channels = new Map<string, MiniChannel>();
  private server: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly clients = new Set<WebSocket>();
  private readonly requested: number;

  constructor(opts: MiniAriOptions = {}) {
    this.username = opts.username ?? "cti";
    this.password = opts.password ?? "secret";
    this.requested = opts.port ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  get wsClients(): number {
    return [...this.clients].filter((c) => c.readyState === c.OPEN).length;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    const wss = new WebSocketServer({ noServer: true, autoPong: false });
    server.on("connection", (socket: net.Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    server.on("upgrade", (req, socket: net.Socket, head) => {
      this.upgrades += 1;
      if (this.stallAll) return;
      const url = new URL(req.url ?? "/", "http://x");
      if (this.refuseUpgrade === 401) return reject(socket, 401, "application/json", '{"message":"Authentication required"}');
      if (this.refuseUpgrade !== undefined) return reject(socket, this.refuseUpgrade, "text/html", `<html><title>${this.refuseUpgrade}</title></html>`);
      if (url.pathname !== "/ari/events") return reject(socket, 404, "text/html", "<html><title>404 Not Found</title></html>");
      if (!this.authorized(req.headers.authorization)) return reject(socket, 401, "application/json", '{"message":"Authentication required"}');
      if (!url.searchParams.get("app")) return reject(socket, 400, "text/html", "<html><title>400 Bad Request</title></html>");
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.clients.add(ws);
        ws.on("ping", (data) => {
          if (!this.silent) ws.pong(data);
        });
        ws.on("close", () => this.clients.delete(ws));
        ws.on("error", () => undefined);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.requested || this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    this.wss = wss;
    return this;
  }

  /** Sends one text frame to every open event WebSocket. */
  send(frame: string | object): void {
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    for (const c of this.clients) if (c.readyState === c.OPEN) c.send(text);
  }

  /** Cuts every connection without a close frame (like a crashed or restarting Asterisk: 1006). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
    for (const c of this.clients) c.terminate();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.dropAll();
    server.closeAllConnections();
    this.wss?.close();
    await closed;
  }

  addChannel(id: string, inStasis = true): MiniChannel {
    const ch: MiniChannel = { id, name: `Local/s@test-${id};2`, state: "Ring", inStasis, variables: {} };
    this.channels.set(id, ch);
    return ch;
  }

  channelJson(ch: MiniChannel): object {
    return {
      id: ch.id,
      name: ch.name,
      state: ch.state,
      protocol_id: "",
      caller: { name: "Test Caller", number: "5551234" },
      connected: { name: "", number: "" },
      accountcode: "",
      dialplan: { context: "inbound-stasis", exten: "s", priority: 2, app_name: ch.inStasis ? "Stasis" : "Wait", app_data: "cti,inbound" },
      creationtime: "2026-11-22T11:06:12.631+0000",
      language: "en",
    };
  }

  private authorized(header: string | undefined): boolean {
    const expected = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString("base64")}`;
    return header === expected;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      this.requests.push({ method: req.method ?? "", path: url.pathname + url.search, body: Buffer.concat(chunks).toString() });
      if (this.stallAll) return;
      if (this.stallAfterInfo && url.pathname !== "/ari/asterisk/info") return;
      if (this.silent && url.pathname === "/ari/asterisk/ping") return;
      if (url.pathname.startsWith("/ari/api-docs/") && !req.headers.authorization && url.pathname === "/ari/api-docs/resources.json") {
        // ari-client's reachability probe comes without credentials; Asterisk answers 401
        return json(res, 401, { message: "Authentication required" });
      }
      if (!this.authorized(req.headers.authorization)) return json(res, 401, { message: "Authentication required" });
      this.route(req.method ?? "GET", url, Buffer.concat(chunks).toString(), res);
    });
  }

  private route(method: string, url: URL, body: string, res: http.ServerResponse): void {
    const p = url.pathname;
    const q = url.searchParams;
    const base = `http://127.0.0.1:${this.port}/ari`;
    if (p.startsWith("/ari/api-docs/") && this.refuseApiDocs) return json(res, 401, { message: "Authentication required" });
    if (p.startsWith("/ari/api-docs/") && this.garbageApiDocs) {
      res.writeHead(200, { "Content-type": "application/json" });
      return void res.end("<html>not json</html>");
    }
    if (p === "/ari/api-docs/resources.json") {
      return json(res, 200, {
        apiVersion: "10.0.0",
        swaggerVersion: "1.1",
        basePath: base,
        apis: Object.keys(DECLARATIONS).map((name) => ({ path: `/api-docs/${name}.{format}`, description: name })),
      });
    }
    const doc = /^\/ari\/api-docs\/(\w+)\.json$/.exec(p);
    if (doc && doc[1] && DECLARATIONS[doc[1]]) return json(res, 200, declaration(doc[1], DECLARATIONS[doc[1]]!, base));
    if (p === "/ari/asterisk/info") return json(res, 200, { system: { version: "22.10.1", entity_id: "02:fc:00:00:00:01" }, build: { os: "Linux" } });
    if (p === "/ari/asterisk/ping") return json(res, 200, { ping: "pong", timestamp: "2026-11-22T11:04:29.407+0000", asterisk_id: "02:fc:00:00:00:01" });
    if (p === "/ari/channels" && method === "GET") return json(res, 200, [...this.channels.values()].map((c) => this.channelJson(c)));
    if (p === "/ari/channels" && method === "POST") {
      const id = q.get("channelId") ?? `mini-${this.channels.size + 1}`;
      if (this.channels.has(id)) return json(res, 409, { message: "Channel with given unique ID already exists" });
      const ch = this.addChannel(id, false);
      ch.state = "Down";
      const vars = body ? (JSON.parse(body) as { variables?: Record<string, string> }).variables : undefined;
      Object.assign(ch.variables, vars ?? {});
      return json(res, 200, this.channelJson(ch));
    }
    const app = /^\/ari\/applications\/([^/]+)$/.exec(p);
    if (app) return json(res, 200, { name: decodeURIComponent(app[1]!), channel_ids: [...this.channels.values()].filter((c) => c.inStasis).map((c) => c.id), bridge_ids: [], endpoint_ids: [], device_names: [] });
    const chan = /^\/ari\/channels\/([^/]+)(?:\/(answer|variable|play)(?:\/([^/]+))?)?$/.exec(p);
    if (chan) {
      const ch = this.channels.get(decodeURIComponent(chan[1]!));
      const action = chan[2];
      if (action === "variable" && method === "GET") {
        if (!ch) return json(res, 404, { message: "Provided channel was not found" });
        const v = ch.variables[q.get("variable") ?? ""];
        return v === undefined ? json(res, 404, { message: "Provided variable was not found" }) : json(res, 200, { value: v });
      }
      if (!ch) return json(res, 404, { message: "Channel not found" });
      if (!action && method === "GET") return json(res, 200, this.channelJson(ch));
      if (!action && method === "DELETE") {
        this.channels.delete(ch.id);
        return empty(res);
      }
      if (!ch.inStasis) return json(res, 409, { message: "Channel not in Stasis application" });
      if (action === "answer") {
        ch.state = "Up";
        return empty(res);
      }
      if (action === "variable") {
        ch.variables[q.get("variable") ?? ""] = q.get("value") ?? "";
        return empty(res);
      }
      if (action === "play") {
        const id = decodeURIComponent(chan[3] ?? "server-chosen");
        const media = (q.get("media") ?? "").split(",");
        return json(res, 201, { id, media_uri: media[0], target_uri: `channel:${ch.id}`, language: "en", state: "queued" });
      }
    }
    const bridge = /^\/ari\/bridges\/([^/]+)\/addChannel$/.exec(p);
    if (bridge) {
      if (bridge[1] !== "b1") return json(res, 404, { message: "Bridge not found" });
      const ch = this.channels.get(q.get("channel") ?? "");
      if (!ch) return json(res, 400, { message: "Channel not found" });
      if (!ch.inStasis) return json(res, 422, { message: "Channel not in Stasis application" });
      return empty(res);
    }
    return json(res, 404, { message: "Resource not found" });
  }
}

function declaration(name: string, api: Api, basePath: string): object {
  return {
    apiVersion: "10.0.0",
    swaggerVersion: "1.1",
    basePath,
    resourcePath: `/api-docs/${name}.{format}`,
    apis: Object.entries(api).map(([path, ops]) => ({
      path,
      operations: ops.map((o) => ({
        httpMethod: o.method,
        nickname: o.nickname,
        responseClass: o.responseClass,
        parameters: o.params.map(([n, paramType, required]) => ({ name: n, paramType, required, allowMultiple: false, dataType: "string" })),
      })),
    })),
    models: {},
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function empty(res: http.ServerResponse): void {
  res.writeHead(204, { "Content-Length": 0 });
  res.end();
}

function reject(socket: net.Socket, status: number, type: string, body: string): void {
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
