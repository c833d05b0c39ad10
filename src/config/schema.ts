import { z } from "zod";

/** A secret is never written in the config file: the file names the environment variable holding it. */
export const secretRef = z
  .object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name") })
  .strict();

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
      })
      .strict(),
    ami: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(1).max(65535).default(5038),
        username: z.string().min(1),
        secret: secretRef,
        actionTimeout: seconds.default(5),
      })
      .strict()
      .optional(),
  })
  .strict();

export const configSchema = z
  .object({
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .default({ level: "info" }),
    http: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 8080 }),
    redis: z
      .object({
        url: z.string().default("redis://127.0.0.1:6379"),
        keyPrefix: z.string().default("sb:"),
      })
      .strict()
      .default({ url: "redis://127.0.0.1:6379", keyPrefix: "sb:" }),
    ivr: z
      .object({
        treesDir: z.string().default("ivr-trees"),
        /** Fallback when the dialplan's Stasis() args name no tree: DID -> tree file name. */
        didMap: z.record(z.string(), z.string()).default({}),
        defaultTree: z.string().default("main"),
        watch: z.boolean().default(true),
      })
      .strict()
      .default({ treesDir: "ivr-trees", didMap: {}, defaultTree: "main", watch: true }),
    asterisk: z.array(asteriskServerSchema).default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type AsteriskServerConfig = z.infer<typeof asteriskServerSchema>;
