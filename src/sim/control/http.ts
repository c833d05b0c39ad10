/** HTTP plumbing of the control API: errors with a status, JSON bodies, what a route sees of a request. */
import type http from "node:http";

/** A refusal with its HTTP status (and headers such as `Allow`). */
export class HttpError extends Error {
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

/** The request's JSON body (`{}` when empty); 415 for another content type, 400 when malformed. */
export async function jsonBody(req: http.IncomingMessage, max: number): Promise<unknown> {
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

/** What a route sees of a request: method, decoded path segments, query, and the body on demand. */
export interface RouteRequest {
  method: string;
  /** Path segments, decoded: `/agents/PJSIP%2F1001` -> `["agents", "PJSIP/1001"]`. */
  parts: string[];
  query: URLSearchParams;
  body(): Promise<unknown>;
  /** Throws 405 (with `Allow`) unless the method is one of `methods`. */
  allow(methods: string[]): void;
}

export interface RouteReply {
  status: number;
  body: unknown;
}
