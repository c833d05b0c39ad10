/**
 * Secrets come from the environment only: a config file is read by more people and tools than the
 * daemon's environment (backups, review, support bundles). A URL in the file that carries a password
 * (`redis://:pw@host`, `https://user:pw@host`) is refused, and the message names the environment
 * variable to put it in instead, never the password.
 */

/** A key path as the environment override spells it: redis.url -> SWITCHBOARD__REDIS__URL. */
export function overrideVariable(keys: ReadonlyArray<string | number>): string {
  return `SWITCHBOARD__${keys.map((k) => String(k).replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("__")}`;
}

/** scheme://user:password@ or scheme://:password@ (a user alone is not a secret). */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]*:[^/?#\s]*@/i;

export interface FileSecret {
  /** The key path, e.g. ["redis", "url"]. */
  keys: Array<string | number>;
  /** What to do instead. */
  advice: string;
}

/** Every URL with a password among the file's values, with the advice for each. */
export function secretsInFile(raw: unknown): FileSecret[] {
  const found: FileSecret[] = [];
  const visit = (value: unknown, keys: Array<string | number>) => {
    if (typeof value === "string") {
      if (URL_WITH_PASSWORD.test(value)) found.push({ keys, advice: adviceFor(keys) });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...keys, i]));
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) visit(v, [...keys, k]);
    }
  };
  visit(raw, []);
  return found;
}

function adviceFor(keys: ReadonlyArray<string | number>): string {
  // ARI takes its user and password separately; its URL never carries them, from the file or not
  if (keys[0] === "asterisk" && keys[2] === "ari") return "take the user and password out of the URL: ARI's are ari.username and ari.password: { env: <VARIABLE> }";
  return `take the password out of the file and set the whole URL in the environment variable ${overrideVariable(keys)}`;
}

/** The config error's text for what secretsInFile found. */
export function describeFileSecrets(file: string, found: readonly FileSecret[]): string {
  const lines = found.map((f) => `  - ${f.keys.join(".")}: the URL carries a password; ${f.advice}`);
  return `${file}: secrets are read only from the environment, not from the config file:\n${lines.join("\n")}`;
}
