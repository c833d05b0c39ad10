import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";
import { luaAgentMoves } from "./agent-states.js";
import { HANDLE_TIME_WEIGHT } from "./ewt.js";

/**
 * The queue's Lua scripts, one per operation, registered with ioredis `defineCommand` (EVALSHA with an
 * automatic EVAL fallback after a SCRIPT FLUSH or failover).
 *
 * Where the .lua files are found: they stay in src/queue/lua/ and are read at startup relative to the
 * package root, `new URL("../../src/queue/lua/", import.meta.url)`. This file sits two levels below the
 * root both as src/queue/scripts.ts (tsx, vitest) and as dist/queue/scripts.js (node), so the same URL
 * resolves to the same folder in both cases; tsc does not copy .lua files, and the Dockerfile ships
 * src/queue next to dist/. Real .lua files can be read, linted and run with `redis-cli --eval`.
 *
 * Each script is `generated constants + lib.lua + <op>.lua`: Redis has no include, and the constants
 * (the agent state machine table, tuning numbers) come from the TypeScript that defines them.
 */
export const LUA_DIR = new URL("../../src/queue/lua/", import.meta.url);

export const SCRIPT_NAMES = [
  "enqueue",
  "dispatch",
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
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** Wrap-ups promoted to available per script call at most: bounds any one call's work. */
export const WRAPUP_BATCH = 100;

/** Constants for one script; the state table only where it is used (building it costs every call). */
function prelude(name: ScriptName): string {
  return [
    "-- generated from src/queue/*.ts by scripts.ts: do not edit here",
    name === "agent-state" ? luaAgentMoves() : "",
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

let sources: Map<ScriptName, string> | undefined;

/** Full source of every script, read once per process. */
export function scriptSources(): Map<ScriptName, string> {
  if (!sources) {
    const lib = readLua("lib");
    sources = new Map(SCRIPT_NAMES.map((name) => [name, `${prelude(name)}${lib}\n-- ${name}.lua\n${readLua(name)}`]));
  }
  return sources;
}

function commandName(name: ScriptName): string {
  return `sbq_${name.replaceAll("-", "_")}`;
}

export type ScriptArg = string | number;
export type ScriptRunner = (name: ScriptName, eventsKey: string, args: readonly ScriptArg[]) => Promise<unknown>;

const defined = new WeakSet<Redis | Cluster>();

/** Registers the scripts on this client (once) and returns a function that runs one of them. */
export function scriptRunner(redis: Redis | Cluster): ScriptRunner {
  if (!defined.has(redis)) {
    for (const [name, lua] of scriptSources()) redis.defineCommand(commandName(name), { numberOfKeys: 1, lua });
    defined.add(redis);
  }
  const commands = redis as unknown as Record<string, (...args: ScriptArg[]) => Promise<unknown>>;
  return (name, eventsKey, args) => {
    const command = commands[commandName(name)];
    if (!command) throw new Error(`queue script ${name} is not registered`);
    return command.call(redis, eventsKey, ...args);
  };
}
