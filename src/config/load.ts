import { readFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { describeFileSecrets, secretsInFile } from "./file-secrets.js";
import { configSchema, type Config } from "./schema.js";

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

const ENV_PREFIX = "SWITCHBOARD__";

/**
 * Environment overrides: SWITCHBOARD__HTTP__PORT=9090 sets http.port. Values are parsed as YAML scalars
 * so numbers and booleans keep their types. Array items are addressed by index (ASTERISK__0__ARI__URL).
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const keys = name
      .slice(ENV_PREFIX.length)
      .split("__")
      .map((k) => k.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    let node: Record<string, unknown> = out;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== "object" || node[key] === null) node[key] = /^\d+$/.test(key) ? [] : {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = parseScalar(value);
  }
  return out;
}

function parseScalar(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.join(".") : "(top level)";
  return `${key}: ${issue.message}`;
}

/** Loads and validates the daemon's config. A missing file means defaults; a broken one is a ConfigError. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  const resolved = path.resolve(file ?? "config/switchboard.yaml");
  let raw: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = readFileSync(resolved, "utf8");
  } catch (err) {
    if (file !== undefined || (err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new ConfigError(`cannot read config: ${(err as Error).message}`, resolved);
    }
  }
  if (text !== undefined) {
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0];
      throw new ConfigError(
        `${resolved}${pos ? `:${pos.line}:${pos.col}` : ""}: ${e.message.split("\n")[0]}`,
        resolved,
      );
    }
    const value: unknown = doc.toJS() ?? {};
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigError(`${resolved}: the config must be a mapping of sections`, resolved);
    }
    raw = value as Record<string, unknown>;
    // checked before the environment's overrides are merged in: a URL with a password may come from there
    const secrets = secretsInFile(raw);
    if (secrets.length) throw new ConfigError(describeFileSecrets(resolved, secrets), resolved);
  }
  const parsed = configSchema.safeParse(applyEnvOverrides(raw, env));
  if (!parsed.success) {
    throw new ConfigError(
      `invalid config in ${resolved}:\n${parsed.error.issues.map((i) => `  - ${formatIssue(i)}`).join("\n")}`,
      resolved,
    );
  }
  return parsed.data;
}

/** Reads a secret named by the config from the environment; a clear error names the variable, never a value. */
export function readSecret(ref: { env: string }, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[ref.env];
  if (value === undefined || value === "") {
    throw new ConfigError(`environment variable ${ref.env} is not set (it holds a secret named in the config)`, ref.env);
  }
  return value;
}
