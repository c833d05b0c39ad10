import { format } from "node:util";

/**
 * Keeps stdout clean (it carries JSON log lines) while library code that prints with `console.log` runs.
 *
 * While at least one `quietConsole` scope is open, `console.log` is replaced: lines that `isNoise`
 * recognises are dropped, anything else is handed to `forward` (the logger) instead of stdout. When the
 * last scope closes the original `console.log` is put back, unless someone else replaced it meanwhile.
 */
export type ConsoleArgs = unknown[];

interface Scope {
  isNoise: (args: ConsoleArgs) => boolean;
  forward: (text: string) => void;
}

const scopes = new Set<Scope>();
let original: typeof console.log | undefined;
let installed: typeof console.log | undefined;

function patched(...args: ConsoleArgs): void {
  // the most recently opened scope decides (scopes differ only in where forwarded lines go)
  const scope = [...scopes].at(-1);
  if (!scope) {
    original?.apply(console, args);
    return;
  }
  if (scope.isNoise(args)) return;
  try {
    scope.forward(format(...args));
  } catch {
    // a failing logger must not turn a library's debug print into an exception inside that library
  }
}

export async function quietConsole<T>(
  isNoise: (args: ConsoleArgs) => boolean,
  forward: (text: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const scope: Scope = { isNoise, forward };
  if (scopes.size === 0) {
    original = console.log;
    installed = patched;
    console.log = patched;
  }
  scopes.add(scope);
  try {
    return await fn();
  } finally {
    scopes.delete(scope);
    if (scopes.size === 0) {
      if (console.log === installed && original) console.log = original;
      original = undefined;
      installed = undefined;
    }
  }
}
