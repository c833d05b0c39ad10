import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

/**
 * The appointments' Lua code as one Redis Function library, loaded the way queue/scripts.ts loads the
 * queue's (that loader is the queue's own, bound to its script list, so this is a small copy rather than
 * a shared one): lib.lua, then one function per operation whose body is <op>.lua; named after a hash of
 * the code (`sba_<hash>_<op>`) so daemons of different versions sharing a Redis each run their own;
 * loaded (on every master of a Cluster) when Redis answers "Function not found".
 *
 * The .lua files are read from src/callbacks/lua/, relative to the package root both as
 * src/callbacks/scripts.ts (tsx, vitest) and dist/callbacks/scripts.js (node); the image must ship that
 * folder next to dist/ as it ships src/queue.
 */
const LUA_DIR = new URL("../../src/callbacks/lua/", import.meta.url);

export const SCRIPT_NAMES = ["book", "rebalance", "move", "cancel", "list", "occupancy"] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];
export type ScriptArg = string | number;
export type ScriptRunner = (name: ScriptName, routeKey: string, args: readonly ScriptArg[]) => Promise<unknown>;

function readLua(name: string): string {
  const url = new URL(`${name}.lua`, LUA_DIR);
  try {
    return readFileSync(url, "utf8");
  } catch (err) {
    throw new Error(`cannot read appointment script ${url.pathname}: ${(err as Error).message} (src/callbacks/lua must ship next to dist/)`);
  }
}

let library: { source: string; functions: Record<ScriptName, string> } | undefined;

function appointmentLibrary(): NonNullable<typeof library> {
  if (!library) {
    const lib = readLua("lib");
    const ops = SCRIPT_NAMES.map((name) => ({ name, lua: readLua(name) }));
    const hash = createHash("sha1").update(lib).update(ops.map((o) => o.lua).join("\n")).digest("hex").slice(0, 12);
    const functions = Object.fromEntries(ops.map((o) => [o.name, `sba_${hash}_${o.name}`])) as Record<ScriptName, string>;
    const registered = ops.map(
      (o) => `\n-- ${o.name}.lua\nredis.register_function("${functions[o.name]}", function(KEYS, ARGV)\nbegin(KEYS, ARGV)\n${o.lua}\nend)\n`,
    );
    library = { source: `#!lua name=sba_${hash}\n${lib}${registered.join("")}`, functions };
  }
  return library;
}

async function load(redis: Redis | Cluster, source: string): Promise<void> {
  const targets = redis.isCluster ? (redis as Cluster).nodes("master") : [redis];
  await Promise.all(targets.map((node) => node.call("FUNCTION", "LOAD", "REPLACE", source)));
}

/** Runs one operation on this client, loading the library when Redis lacks it. */
export function scriptRunner(redis: Redis | Cluster): ScriptRunner {
  const lib = appointmentLibrary();
  let loading: Promise<void> | undefined;
  return (name, routeKey, args) => {
    const fn = lib.functions[name];
    return redis.fcall(fn, 1, routeKey, ...args).catch(async (err: unknown) => {
      if (!(err instanceof Error) || !err.message.includes("Function not found")) throw err;
      // one load for every call that found the library missing at the same time
      await (loading ??= load(redis, lib.source).finally(() => (loading = undefined)));
      return redis.fcall(fn, 1, routeKey, ...args);
    });
  };
}
