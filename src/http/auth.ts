import type { NextFunction, Request, Response } from "express";
import { sameSecret } from "../lib/same-secret.js";

/** Bearer-token guard for the admin API. The token comes from the environment, never from a file. */
export function requireBearer(token: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      res.status(401).set("WWW-Authenticate", 'Bearer realm="switchboard-admin"').json({ error: "missing bearer token" });
      return;
    }
    if (!sameSecret(match[1]!, token)) {
      res.status(401).set("WWW-Authenticate", 'Bearer realm="switchboard-admin", error="invalid_token"').json({ error: "invalid token" });
      return;
    }
    next();
  };
}
