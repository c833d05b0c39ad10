import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { TreeLoadError, TreeRegistry, type RegistryEvents } from "../../src/ivr/registry.js";

const tree = (prompt: string) => `nodes:\n  welcome:\n    type: play\n    prompt: sound:${prompt}\n    next: bye\n  bye:\n    type: hangup\n`;
const BROKEN = "nodes:\n  welcome:\n    type: play\n    prompt: sound:x\n    next: nowhere\n";

let dir: string;
let registry: TreeRegistry | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "switchboard-trees-"));
  writeFileSync(path.join(dir, "main.yaml"), tree("hello"));
});

afterEach(() => {
  registry?.close();
  registry = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const prompt = (r: TreeRegistry) => (r.current.nodes.get("main#welcome")!.node as { prompt: string }).prompt;

/** Resolves with the next event of that name, or rejects after `ms` (a bound, not a speed assertion). */
function next<K extends keyof RegistryEvents>(r: TreeRegistry, event: K, ms = 10_000): Promise<RegistryEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${ms} ms`)), ms);
    r.once(event, ((payload: RegistryEvents[K][0]) => {
      clearTimeout(timer);
      resolve(payload);
    }) as never);
  });
}

describe("TreeRegistry", () => {
  test("open loads the directory and serves the current version", () => {
    registry = TreeRegistry.open(dir);
    expect(prompt(registry)).toBe("sound:hello");
    expect(registry.get(registry.current.version)).toBe(registry.current);
    expect(registry.get("000000000000")).toBeUndefined();
  });

  test("open refuses a directory whose trees do not validate, with the diagnostics", () => {
    writeFileSync(path.join(dir, "main.yaml"), BROKEN);
    let error: unknown;
    try {
      TreeRegistry.open(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TreeLoadError);
    expect((error as TreeLoadError).diagnostics.map((d) => d.message)).toEqual(['goto "nowhere": there is no node "nowhere" in this file']);
  });

  test("a valid edit becomes the new version; unchanged files change nothing", () => {
    registry = TreeRegistry.open(dir);
    const first = registry.current.version;
    expect(registry.reload().status).toBe("unchanged");

    const updates: string[] = [];
    registry.on("updated", (e) => updates.push(`${e.previous}->${e.set.version}`));
    writeFileSync(path.join(dir, "main.yaml"), tree("changed"));
    const outcome = registry.reload();
    expect(outcome.status).toBe("updated");
    expect(prompt(registry)).toBe("sound:changed");
    expect(updates).toEqual([`${first}->${registry.current.version}`]);
    // Nobody pinned the old version, so it is gone.
    expect(registry.get(first)).toBeUndefined();
  });

  test("a broken edit leaves the running version in place and reports the diagnostics once", () => {
    registry = TreeRegistry.open(dir);
    const running = registry.current;
    const rejected: string[][] = [];
    registry.on("rejected", (e) => rejected.push(e.diagnostics.map((d) => `${path.basename(d.file)}:${d.line}:${d.col}: ${d.message}`)));

    writeFileSync(path.join(dir, "main.yaml"), BROKEN);
    const outcome = registry.reload();
    expect(outcome.status).toBe("rejected");
    expect(registry.current).toBe(running);
    expect(rejected).toEqual([['main.yaml:5:11: goto "nowhere": there is no node "nowhere" in this file']]);

    registry.reload(); // same broken content: not reported again
    expect(rejected).toHaveLength(1);

    writeFileSync(path.join(dir, "main.yaml"), tree("fixed"));
    expect(registry.reload().status).toBe("updated");
    expect(prompt(registry)).toBe("sound:fixed");
  });

  test("deleting every tree file is rejected rather than running with no trees", () => {
    registry = TreeRegistry.open(dir);
    rmSync(path.join(dir, "main.yaml"));
    const outcome = registry.reload();
    expect(outcome.status).toBe("rejected");
    expect(prompt(registry)).toBe("sound:hello");
  });

  test("a pinned version stays reachable after a reload until its last call unpins it", () => {
    registry = TreeRegistry.open(dir);
    const old = registry.pin();
    registry.pin(old.version); // a second call on the same version
    writeFileSync(path.join(dir, "main.yaml"), tree("v2"));
    registry.reload();
    expect(registry.current.version).not.toBe(old.version);
    expect(registry.get(old.version)).toBe(old);
    expect(registry.versions()).toEqual([
      { version: registry.current.version, pins: 0, current: true },
      { version: old.version, pins: 2, current: false },
    ]);

    expect(registry.unpin(old.version)).toBe(true);
    expect(registry.get(old.version)).toBe(old);
    expect(registry.unpin(old.version)).toBe(true);
    expect(registry.get(old.version)).toBeUndefined();
    expect(registry.unpin(old.version)).toBe(false);
    expect(() => registry!.pin(old.version)).toThrow(/no longer loaded/);
  });

  test("watch picks up an editor's atomic save (write a temporary file, rename it over the tree)", async () => {
    registry = TreeRegistry.open(dir, { debounceMs: 50 }).watch();
    const updated = next(registry, "updated");
    const tmp = path.join(dir, ".main.yaml.swp");
    writeFileSync(tmp, tree("saved"));
    renameSync(tmp, path.join(dir, "main.yaml"));
    const event = await updated;
    expect(event.set).toBe(registry.current);
    expect(prompt(registry)).toBe("sound:saved");
  });

  test("watch reports a broken save and keeps running the old version", async () => {
    registry = TreeRegistry.open(dir, { debounceMs: 50 }).watch();
    const before = registry.current;
    const rejected = next(registry, "rejected");
    writeFileSync(path.join(dir, "main.yaml"), BROKEN);
    const event = await rejected;
    expect(event.current).toBe(before);
    expect(registry.current).toBe(before);
  });
});
