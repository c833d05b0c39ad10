import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";
import { luaAgentMoves } from "./agent-states.js";
import { HANDLE_TIME_WEIGHT } from "./ewt.js";

/**
 * The queue's Lua code, loaded into Redis as one Function library (Redis 7 or later): the generated
 * constants, lib.lua, then one function per operation whose body is <op>.lua. The helpers are created
 * once, when the library loads; an EVAL script creates every helper again on each call, which was a
 * sizeable part of a dispatch decision's Redis time.
 *
 * The library and its functions are named after a hash of the code (`sbq_<hash>`, `sbq_<hash>_<op>`), so
 * daemons of different versions sharing one Redis each run their own. The runner loads the library
 * (FUNCTION LOAD REPLACE; on a Cluster, on every master) when Redis answers "Function not found": on first
 * use, after a FUNCTION FLUSH, on a new node. Functions persist and replicate like data.
 *
 * Where the .lua files are found: they stay in src/queue/lua/ and are read at startup relative to the
 * package root, `new URL("../../src/queue/lua/", import.meta.url)`. This file sits two levels below the
 * root both as src/queue/scripts.ts (tsx, vitest) and as dist/queue/scripts.js (node), so the same URL
 * resolves to the same folder in both cases; tsc does not copy .lua files, and the Dockerfile ships
 * src/queue next to dist/. Real .lua files can be read and linted.
 */
export const LUA_DIR = new URL("../../src/queue/lua/", import.meta.url);

/** In load order: an operation may call the ones before it (`op_<name>`, e.g. join calls op_enqueue and op_dispatch). */
export const SCRIPT_NAMES = [
  "enqueue",
  "dispatch",
  "join",
  "requeue",
  "answered",
  "abandon",
  "expire",
  "agent-state",
  "device",
  "agent-profile",
  "agent-remove",
  "position",
  "status",
  "admission",
  "offer-to",
  "consult",
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** Wrap-ups promoted to available per call at most: bounds any one call's work. */
export const WRAPUP_BATCH = 100;

/** Constants the TypeScript defines, as Lua. */
function prelude(): string {
  return [
    "-- generated from src/queue/*.ts by scripts.ts: do not edit here",
    luaAgentMoves(),
    `local HANDLE_TIME_WEIGHT = ${HANDLE_TIME_WEIGHT}`,
    `local WRAPUP_BATCH = "${WRAPUP_BATCH}"`, // a string: redis.call formats number arguments on every call
    "",
  ].join("\n");
}

function readLua(name: string): string {
  const url = new URL(`${name}.lua`, LUA_DIR);
  try {
    return readFileSync(url, "utf8");
  } catch (err) {
    throw new Error(
      `cannot read queue script ${url.pathname}: ${(err as Error).message} ` +
        `(the src/queue/lua folder must ship next to dist/)`,
    );
  }
}

export interface QueueLibrary {
  name: string;
  /** FUNCTION LOAD source. */
  source: string;
  functions: Record<ScriptName, string>;
}

let library: QueueLibrary | undefined;

/** The Function library, built once per process. */
export function queueLibrary(): QueueLibrary {
  if (!library) {
    const ops = SCRIPT_NAMES.map((name) => ({ name, lua: readLua(name) }));
    const code = `${prelude()}${readLua("lib")}`;
    const hash = createHash("sha1").update(code).update(ops.map((o) => o.lua).join("\n")).digest("hex").slice(0, 12);
    const name = `sbq_${hash}`;
    const functions = Object.fromEntries(ops.map((o) => [o.name, `${name}_${o.name.replaceAll("-", "_")}`])) as Record<ScriptName, string>;
    // each operation is a local function of the library (so later ones can call it) registered as itself
    const registered = ops.map((o) => {
      const local = `op_${o.name.replaceAll("-", "_")}`;
      return `\n-- ${o.name}.lua\nlocal function ${local}(KEYS, ARGV)\nbegin(KEYS, ARGV)\n${o.lua}\nend\nredis.register_function("${functions[o.name]}", ${local})\n`;
    });
    library = { name, source: `#!lua name=${name}\n${code}${registered.join("")}`, functions };
  }
  return library;
}

export type ScriptArg = string | number;
export type ScriptRunner = (name: ScriptName, eventsKey: string, args: readonly ScriptArg[]) => Promise<unknown>;

async function load(redis: Redis | Cluster, source: string): Promise<void> {
  const targets = redis.isCluster ? (redis as Cluster).nodes("master") : [redis];
  await Promise.all(targets.map((node) => node.call("FUNCTION", "LOAD", "REPLACE", source)));
}

/** A function that runs one operation on this client, loading the library when Redis lacks it. */
export function scriptRunner(redis: Redis | Cluster): ScriptRunner {
  const lib = queueLibrary();
  let loading: Promise<void> | undefined;
  return (name, eventsKey, args) => {
    const fn = lib.functions[name];
    return redis.fcall(fn, 1, eventsKey, ...args).catch(async (err: unknown) => {
      if (!(err instanceof Error)) throw err;
      if (/unknown command .fcall/i.test(err.message)) throw new Error(`the caller queue needs Redis 7 or later (Functions): ${err.message}`);
      if (!err.message.includes("Function not found")) throw err;
      // one load for every call that found the library missing at the same time
      await (loading ??= load(redis, lib.source).finally(() => (loading = undefined)));
      return redis.fcall(fn, 1, eventsKey, ...args);
    });
  };
}
