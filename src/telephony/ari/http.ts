import http from "node:http";
import https from "node:https";

/**
 * A minimal authenticated GET with a hard deadline, for what ari-client cannot do safely: the
 * credential check before `connect` (the library crashes the process on a 401) and the heartbeat ping.
 * It uses the gateway's own agent, never the global one ari-client's requests share.
 */
export interface AriHttpResult {
  status: number;
  body: string;
}

export interface AriHttpTarget {
  /** `http:` or `https:` origin of the ARI server, e.g. `http://127.0.0.1:8088`. */
  origin: URL;
  username: string;
  password: string;
  agent: http.Agent;
}

const MAX_BODY = 1 << 20;

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** Rejects with a plain Error on network failure, timeout or abort; any HTTP status resolves. */
export function ariGet(target: AriHttpTarget, path: string, timeoutMs: number, signal?: AbortSignal): Promise<AriHttpResult> {
  return new Promise<AriHttpResult>((resolve, reject) => {
    const url = new URL(path, target.origin);
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(url, {
      method: "GET",
      agent: target.agent,
      headers: { authorization: basicAuth(target.username, target.password), accept: "application/json" },
      signal,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${url.origin}${url.pathname} within ${timeoutMs} ms`)), timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/**
 * An authenticated GET whose body is left to the caller to stream (a recording's file): resolves with the
 * response once its headers are in. `idleMs` bounds the wait for the headers and every silence after
 * them (the request is destroyed, the body errors). Rejects with a plain Error on network failure.
 */
export function ariOpen(target: AriHttpTarget, path: string, idleMs: number): Promise<http.IncomingMessage> {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const url = new URL(path, target.origin);
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(url, { method: "GET", agent: target.agent, headers: { authorization: basicAuth(target.username, target.password) } });
    req.setTimeout(idleMs, () => req.destroy(new Error(`no data from ${url.origin}${url.pathname} within ${idleMs} ms`)));
    req.on("response", resolve);
    req.on("error", reject);
    req.end();
  });
}

/** The first `max` bytes of a body (an error reply's), as text. */
export async function readText(res: http.IncomingMessage, max = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const b = chunk as Buffer;
    if (size < max) chunks.push(b.subarray(0, max - size));
    size += b.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}
