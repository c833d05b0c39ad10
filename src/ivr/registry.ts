import { EventEmitter } from "node:events";
import { watch, type FSWatcher } from "node:fs";
import type { Logger } from "../lib/logger.js";
import { formatDiagnostic, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { checkTreeDir, checkTreeDirInWorker, type DirCheck, type RunningCheck } from "./check-dir.js";
import { DEFAULT_TREE_LIMITS, type TreeLimits } from "./limits.js";
import { hydrateTreeSet } from "./load.js";
import type { TreeSet } from "./model.js";

/**
 * The running trees of one directory. Reloading swaps in a new TreeSet only when every file validates: a
 * broken edit leaves the running version in place and is reported (event and log). Calls pin the version
 * they started on (`pin`/`unpin`, a plain reference count) so they finish on it even after a reload; an old
 * version is dropped when its last call unpins it. Versions live in this process only: after a restart
 * only the version on disk exists, and `get(oldVersion)` answers undefined.
 *
 * Hot reload (`watch`, `reloadInWorker`) validates in a worker thread, so a huge or hostile file never
 * holds up the calls this thread serves; only the swap happens here. `open` (startup, before any call)
 * and `reload` validate in this thread, bounded by the tree limits (src/ivr/limits.ts).
 */

export interface RegistryOptions {
  logger?: Logger;
  /** Quiet time after the last file event before reloading, in ms (editors write in several steps). */
  debounceMs?: number;
  limits?: TreeLimits;
  /** A reload check that takes longer is stopped and rejected, in ms. */
  checkTimeoutMs?: number;
}

export type ReloadOutcome =
  | { status: "updated"; set: TreeSet; previous: string; warnings: Diagnostic[] }
  | { status: "unchanged"; set: TreeSet }
  | { status: "rejected"; set: TreeSet; diagnostics: Diagnostic[] };

export interface RegistryEvents {
  /** A new version is current. */
  updated: [{ set: TreeSet; previous: string; warnings: Diagnostic[] }];
  /** The files on disk do not validate; `current` is still the running version. Once per distinct content. */
  rejected: [{ current: TreeSet; diagnostics: Diagnostic[] }];
}

/** The directory's trees do not validate (or cannot be read) at startup: nothing to run. */
export class TreeLoadError extends Error {
  constructor(
    readonly dir: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(`IVR trees in ${dir} do not validate:\n${diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic).join("\n")}`);
    this.name = "TreeLoadError";
  }
}

/** Errors logged per rejected reload; the event carries them all. */
const LOGGED_ERRORS = 50;

export class TreeRegistry extends EventEmitter<RegistryEvents> {
  private currentSet: TreeSet;
  /** Versions other than the current one that calls still use, with their pin counts. */
  private readonly retained = new Map<string, { set: TreeSet; pins: number }>();
  private currentPins = 0;
  private lastRejected: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly logger: Logger | undefined;
  private readonly debounceMs: number;
  private readonly limits: TreeLimits;
  private readonly checkTimeoutMs: number;
  /** Checks are numbered as they start; an answer older than one already applied is dropped. */
  private started = 0;
  private applied = 0;
  private inWorker: { check: RunningCheck; outcome: Promise<ReloadOutcome> } | undefined;
  private again: Promise<ReloadOutcome> | undefined;

  private constructor(
    readonly dir: string,
    initial: TreeSet,
    opts: RegistryOptions,
  ) {
    super();
    this.currentSet = initial;
    this.logger = opts.logger;
    this.debounceMs = opts.debounceMs ?? 250;
    this.limits = opts.limits ?? DEFAULT_TREE_LIMITS;
    this.checkTimeoutMs = opts.checkTimeoutMs ?? 60_000;
  }

  /** Loads the directory; throws TreeLoadError when it does not validate. Warnings are logged. */
  static open(dir: string, opts: RegistryOptions = {}): TreeRegistry {
    const first = checkTreeDir(dir, opts.limits);
    if (!first.ok) throw new TreeLoadError(dir, first.diagnostics);
    const registry = new TreeRegistry(dir, first.set, opts);
    registry.logger?.info({ dir, version: first.set.version, trees: [...first.set.trees.keys()], warnings: first.warnings.map(formatDiagnostic) }, "IVR trees loaded");
    return registry;
  }

  get current(): TreeSet {
    return this.currentSet;
  }

  /** The current set or an older one still pinned by a call; undefined once nobody uses it. */
  get(version: string): TreeSet | undefined {
    return version === this.currentSet.version ? this.currentSet : this.retained.get(version)?.set;
  }

  /** Marks a version as used by one more call (default: the current one) and returns it. */
  pin(version: string = this.currentSet.version): TreeSet {
    if (version === this.currentSet.version) {
      this.currentPins++;
      return this.currentSet;
    }
    const old = this.retained.get(version);
    if (!old) throw new Error(`IVR tree version ${version} is no longer loaded`);
    old.pins++;
    return old.set;
  }

  /** One call fewer on a version; an old version nobody pins any more is dropped. False if not pinned. */
  unpin(version: string): boolean {
    if (version === this.currentSet.version) {
      if (this.currentPins === 0) return false;
      this.currentPins--;
      return true;
    }
    const old = this.retained.get(version);
    if (!old || old.pins === 0) return false;
    if (--old.pins === 0) this.retained.delete(version);
    return true;
  }

  /** Loaded versions with their pin counts (for the admin API and health). */
  versions(): Array<{ version: string; pins: number; current: boolean }> {
    return [
      { version: this.currentSet.version, pins: this.currentPins, current: true },
      ...[...this.retained].map(([version, r]) => ({ version, pins: r.pins, current: false })),
    ];
  }

  /** Reads the directory again in this thread and swaps the new version in if it validates. */
  reload(): ReloadOutcome {
    return this.apply(++this.started, checkTreeDir(this.dir, this.limits));
  }

  /**
   * The same with the reading and validating done in a worker thread: the event loop keeps serving calls
   * meanwhile. A reload asked for while one runs is done once more after it (with what is on disk then).
   */
  reloadInWorker(): Promise<ReloadOutcome> {
    if (this.closed) return Promise.resolve(this.unchanged());
    if (this.inWorker) return (this.again ??= this.inWorker.outcome.then(() => {
      this.again = undefined;
      return this.reloadInWorker();
    }));
    const seq = ++this.started;
    const check = checkTreeDirInWorker(this.dir, { limits: this.limits, timeoutMs: this.checkTimeoutMs });
    const outcome = check.result.then((r) => {
      this.inWorker = undefined;
      if (this.closed) return this.unchanged();
      return this.apply(seq, r.ok ? { ok: true, set: hydrateTreeSet(r.set), warnings: r.warnings } : r);
    });
    this.inWorker = { check, outcome };
    return outcome;
  }

  private unchanged(): ReloadOutcome {
    return { status: "unchanged", set: this.currentSet };
  }

  private apply(seq: number, next: DirCheck<TreeSet>): ReloadOutcome {
    if (seq < this.applied) return this.unchanged();
    this.applied = seq;
    if (!next.ok) {
      if (next.version !== this.lastRejected) {
        this.lastRejected = next.version;
        const errors = next.diagnostics.filter((d) => d.severity === "error");
        const more = errors.length > LOGGED_ERRORS ? { moreErrors: errors.length - LOGGED_ERRORS } : {};
        this.logger?.warn(
          { dir: this.dir, running: this.currentSet.version, errors: errors.slice(0, LOGGED_ERRORS).map(formatDiagnostic), ...more },
          "IVR tree change rejected; the running version stays",
        );
        this.emit("rejected", { current: this.currentSet, diagnostics: next.diagnostics });
      }
      return { status: "rejected", set: this.currentSet, diagnostics: next.diagnostics };
    }
    this.lastRejected = undefined;
    if (next.set.version === this.currentSet.version) return this.unchanged();

    const previous = this.currentSet;
    if (this.currentPins > 0) this.retained.set(previous.version, { set: previous, pins: this.currentPins });
    // A version that comes back (an edit undone) takes its pins back with it.
    const returning = this.retained.get(next.set.version);
    this.retained.delete(next.set.version);
    this.currentSet = returning?.set ?? next.set;
    this.currentPins = returning?.pins ?? 0;
    this.logger?.info({ dir: this.dir, version: this.currentSet.version, previous: previous.version, warnings: next.warnings.map(formatDiagnostic) }, "IVR trees reloaded");
    this.emit("updated", { set: this.currentSet, previous: previous.version, warnings: next.warnings });
    return { status: "updated", set: this.currentSet, previous: previous.version, warnings: next.warnings };
  }

  /**
   * Reloads when anything in the directory changes. The directory is watched, not the files, so editors'
   * atomic saves (write a temporary file, rename it over the old one) and Kubernetes ConfigMap swaps are
   * seen; events are debounced, and unchanged content is ignored by the version check.
   */
  watch(): this {
    if (this.watcher || this.closed) return this;
    this.watcher = watch(this.dir, { persistent: false }, () => this.schedule());
    this.watcher.on("error", (err) => {
      this.logger?.warn({ dir: this.dir, err: err.message }, "IVR tree directory watch failed; retrying");
      this.watcher?.close();
      this.watcher = undefined;
      // The directory may be in the middle of being replaced: try again shortly.
      setTimeout(() => {
        if (!this.closed) {
          try {
            this.watch();
            this.schedule();
          } catch (e) {
            this.logger?.error({ dir: this.dir, err: (e as Error).message }, "IVR tree directory cannot be watched; hot reload is off");
          }
        }
      }, this.debounceMs * 4).unref();
    });
    return this;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) void this.reloadInWorker();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Stops watching. The loaded versions stay readable. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.inWorker?.check.stop();
  }
}
