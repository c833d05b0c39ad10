import http from "node:http";
import type { ErrorRequestHandler, NextFunction, Request, Response } from "express";
import type { Logger } from "../lib/logger.js";

/**
 * The daemon's last error handler: whatever a route or express itself throws is answered as JSON and
 * never with a stack trace or an error's own message (both may carry paths, internals or the request's
 * own text back). A client error (4xx: a malformed URL encoding, a body that is not JSON or too large, a
 * file that is not there) gets its status and a short reason; anything else is a plain 500, logged with
 * the error so the operator sees what happened.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = clientStatus(err);
    const where = { method: req.method, path: shortPath(req.originalUrl) };
    if (res.headersSent) {
      // the answer is half out: nothing sensible can follow it on this connection
      log.error({ err, ...where }, "request failed after its answer began");
      res.destroy();
      return;
    }
    if (status !== undefined) {
      log.debug({ status, ...where }, "client error");
      res.status(status).json({ error: clientReason(status, err) });
      return;
    }
    log.error({ err, ...where }, "request failed");
    res.status(500).json({ error: "internal error" });
  };
}

/** The 4xx status an error carries (express, body-parser and send set `status`), undefined for anything else. */
function clientStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === "number" ? e.status : e.statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

/** A fixed sentence per kind of client error: nothing of the request or the error's text is echoed. */
function clientReason(status: number, err: unknown): string {
  const type = (err as { type?: unknown }).type;
  if (err instanceof URIError) return "the URL is not valid percent-encoding";
  if (type === "entity.too.large" || status === 413) return "request body too large";
  if (type === "entity.parse.failed") return "request body must be JSON";
  if (status === 404) return "not found";
  return (http.STATUS_CODES[status] ?? "bad request").toLowerCase();
}

/** Enough of the URL to find the route in a log line, not a whole attacker-sized one. */
function shortPath(url: string): string {
  const path = url.split("?")[0] ?? "";
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}
