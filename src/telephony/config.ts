import { z } from "zod";
import { secretRef } from "../lib/secret-ref.js";

const seconds = z.number().positive();

export const asteriskServerSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    ari: z
      .object({
        url: z.url(),
        username: z.string().min(1),
        password: secretRef,
        app: z.string().min(1).default("switchboard"),
        connectTimeout: seconds.default(10),
        /** Bound on each REST operation. */
        requestTimeout: seconds.default(5),
        /** Seconds between liveness checks (WebSocket ping + GET /ari/asterisk/ping). */
        heartbeatInterval: seconds.default(5),
        /** Failed liveness checks in a row after which the connection is rebuilt. */
        heartbeatMisses: z.number().int().min(1).max(100).default(3),
        /** Longest wait between reconnect attempts (capped exponential backoff). */
        reconnectMaxDelay: seconds.default(30),
      })
      .strict(),
    ami: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(1).max(65535).default(5038),
        username: z.string().min(1),
        secret: secretRef,
        actionTimeout: seconds.default(5),
        connectTimeout: seconds.default(10),
        /** Seconds between `Ping` actions; 0 turns the heartbeat off. */
        heartbeatInterval: z.number().min(0).default(10),
        heartbeatMisses: z.number().int().min(1).max(100).default(2),
        reconnectMaxDelay: seconds.default(30),
      })
      .strict()
      .optional(),
  })
  .strict();

export type AsteriskServerConfig = z.infer<typeof asteriskServerSchema>;

export function checkServers(cfg: { asterisk: AsteriskServerConfig[] }, ctx: z.core.$RefinementCtx): void {
  const seen = new Set<string>();
  cfg.asterisk.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: ["asterisk", i, "id"], message: `duplicate Asterisk server id "${s.id}"` });
    seen.add(s.id);
  });
}
