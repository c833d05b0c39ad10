import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { DEFAULT_TREE_LIMITS, type TreeLimits } from "./limits.js";
import { loadPlainTreeSources, loadTreeSources, readTreeDir, versionOf, type PlainTreeSet, type TreeSource } from "./load.js";
import type { TreeSet } from "./model.js";

/**
 * One look at a tree directory: read it, validate it, and answer with the set or the diagnostics. In the
 * calling thread (startup, the CLI, an explicit reload) or in a worker thread (hot reload), so that a big
 * or hostile file never holds up the event loop that serves calls.
 */

export type DirCheck<S> = { ok: true; set: S; warnings: Diagnostic[] } | { ok: false; version: string; diagnostics: Diagnostic[] };

function failure(dir: string, version: string, message: string): DirCheck<never> {
  return { ok: false, version, diagnostics: [{ file: dir, line: 1, col: 1, severity: "error", message }] };
}

function readSources(dir: string, limits: TreeLimits): TreeSource[] | DirCheck<never> {
  let sources: TreeSource[];
  try {
    sources = readTreeDir(dir, limits);
  } catch (err) {
    const message = `cannot read the tree directory: ${(err as Error).message}`;
    return failure(dir, `unreadable:${message}`, message);
  }
  if (sources.length === 0) return failure(dir, "empty", "no tree files (.yaml, .yml) in this directory");
  return sources;
}

/** In this thread, with the expressions compiled now. */
export function checkTreeDir(dir: string, limits: TreeLimits = DEFAULT_TREE_LIMITS): DirCheck<TreeSet> {
  const sources = readSources(dir, limits);
  if (!Array.isArray(sources)) return sources;
  const { set, diagnostics } = loadTreeSources(sources, { limits });
  return set ? { ok: true, set, warnings: diagnostics } : { ok: false, version: versionOf(sources), diagnostics };
}

/** The same as plain data (what the worker posts back). */
export function checkTreeDirPlain(dir: string, limits: TreeLimits = DEFAULT_TREE_LIMITS): DirCheck<PlainTreeSet> {
  const sources = readSources(dir, limits);
  if (!Array.isArray(sources)) return sources;
  const { set, diagnostics } = loadPlainTreeSources(sources, { limits });
  return set ? { ok: true, set, warnings: diagnostics } : { ok: false, version: versionOf(sources), diagnostics };
}

export interface WorkerCheckOptions {
  limits?: TreeLimits;
  /** A check that takes longer is stopped and counts as a failure (the running version stays). */
  timeoutMs?: number;
  /** Heap of the worker; a file that needs more fails instead of growing the daemon. */
  maxHeapMb?: number;
}

/** A check running in its own thread; `stop()` ends it (its promise then answers with a failure). */
export interface RunningCheck {
  result: Promise<DirCheck<PlainTreeSet>>;
  stop(): void;
}

/**
 * The worker's code, next to this file: compiled (dist/), or as TypeScript when Switchboard runs from its
 * sources (tests, tsx), where the worker first registers tsx's loader.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith(".ts")) return { entry: new URL("./check-worker.js", import.meta.url), eval: false };
  // tsx's API, resolved from here (the eval'd code has no directory of its own).
  const api = new URL("esm/api/index.mjs", pathToFileURL(createRequire(import.meta.url).resolve("tsx"))).href;
  const url = new URL("./check-worker.ts", import.meta.url).href;
  return { entry: `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}));`, eval: true };
}

export function checkTreeDirInWorker(dir: string, opts: WorkerCheckOptions = {}): RunningCheck {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const { entry, eval: evaluate } = workerEntry();
  const worker = new Worker(entry, {
    eval: evaluate,
    workerData: { dir, limits: opts.limits ?? DEFAULT_TREE_LIMITS },
    resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb ?? 512 },
    stdout: false,
    stderr: false,
  });
  let settle: (r: DirCheck<PlainTreeSet>) => void = () => {};
  const result = new Promise<DirCheck<PlainTreeSet>>((resolve) => {
    let done = false;
    settle = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => settle(failure(dir, `timeout:${Date.now()}`, `checking the tree directory took longer than ${timeoutMs / 1000} s and was stopped`)), timeoutMs);
    timer.unref();
    worker.once("message", (r: DirCheck<PlainTreeSet>) => settle(r));
    worker.once("error", (err) => settle(failure(dir, `failed:${Date.now()}`, `checking the tree directory failed: ${err.message}`)));
    worker.once("exit", (code) => settle(failure(dir, `exit:${Date.now()}`, `checking the tree directory stopped (exit code ${code})`)));
  });
  return { result, stop: () => settle(failure(dir, `stopped:${Date.now()}`, "checking the tree directory was stopped")) };
}
