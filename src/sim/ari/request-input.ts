/**
 * A REST request's input: its body, read up to a limit and parsed when it is JSON, and the
 * parameters a handler sees (query string and the body's scalar fields).
 */
import type http from "node:http";
import type { Reply } from "./http.js";

/** What a route handler gets from the request besides its path. */
export interface RequestInput {
  /** Query parameters merged with the scalar fields of a JSON body (body wins). */
  params: Map<string, string>;
  body: Record<string, unknown> | undefined;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (v: Buffer | "too-large" | "aborted"): void => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        settle("too-large");
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => settle(Buffer.concat(chunks)));
    req.on("aborted", () => settle("aborted"));
    req.on("error", () => settle("aborted"));
    req.on("close", () => settle(req.complete ? Buffer.concat(chunks) : "aborted"));
  });
}

function isJsonContentType(req: http.IncomingMessage): boolean {
  return /^application\/json\b/i.test(String(req.headers["content-type"] ?? ""));
}

/** The body as an object when it is a JSON object; anything else JSON, or not JSON, is no body. */
function jsonBody(req: http.IncomingMessage, raw: Buffer): Record<string, unknown> | undefined | "invalid" {
  if (raw.length === 0 || !isJsonContentType(req)) return undefined;
  const text = raw.toString("utf8");
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "invalid";
  }
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** Repeated query parameters and body arrays join with commas; `api_key` is no parameter. */
function mergedParams(query: URLSearchParams, body: Record<string, unknown> | undefined): Map<string, string> {
  const params = new Map<string, string>();
  for (const key of new Set(query.keys())) {
    if (key === "api_key") continue;
    params.set(key, query.getAll(key).join(","));
  }
  if (body) {
    for (const [k, v] of Object.entries(body)) {
      if (v === null || v === undefined) continue;
      if (Array.isArray(v)) params.set(k, v.map(String).join(","));
      else if (typeof v !== "object") params.set(k, String(v));
    }
  }
  return params;
}

/** The request's input, or the error reply for its body, or "aborted" when the client went away. */
export async function requestInput(req: http.IncomingMessage, query: URLSearchParams, limit: number): Promise<RequestInput | Reply | "aborted"> {
  const raw = await readBody(req, limit);
  if (raw === "aborted") return "aborted";
  if (raw === "too-large") return { status: 413, reason: "Request Entity Too Large", json: { message: "Request body too large" } };
  const body = jsonBody(req, raw);
  if (body === "invalid") return { status: 400, json: { message: "Error parsing request body" } };
  return { params: mergedParams(query, body), body };
}
