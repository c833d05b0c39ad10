import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { hugeTree } from "../../bench/tree-gen.js";
import { startCall, step } from "../../src/ivr/engine/index.js";
import { DEFAULT_TREE_LIMITS } from "../../src/ivr/limits.js";
import { TreeRegistry, type RegistryEvents } from "../../src/ivr/registry.js";

/**
 * Attack: a huge tree dropped into the watched directory. What callers notice: nothing. The reload reads
 * and validates in a worker thread, so calls are served all the while (a timer keeps ticking and answers
 * a call on every tick); the running version stays and the admin gets the error at its place. The same
 * reload in the calling thread serves no call until it is done: that is what the worker takes away.
 */

const MAIN = "nodes:\n  welcome:\n    type: play\n    prompt: sound:hello\n    next: bye\n  bye:\n    type: hangup\n";

let dir: string;
let registry: TreeRegistry | undefined;
let stopCalls: (() => void) | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "switchboard-reload-"));
  writeFileSync(path.join(dir, "main.yaml"), MAIN);
});

afterEach(() => {
  stopCalls?.();
  registry?.close();
  registry = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A timer that answers one whole call (greeting, hang-up) per tick on the registry's current trees. */
function serveCalls(r: TreeRegistry): { served: () => number } {
  let served = 0;
  const timer = setInterval(() => {
    const set = r.pin();
    const first = startCall(set, "main", { callId: `c-${served}`, callerNumber: "5551001" });
    const play = first.actions.find((a) => a.type === "play")!;
    const done = step(set, first.state, { type: "playbackFinished", id: play.id });
    r.unpin(set.version);
    if (done.state.status === "ended") served++;
  }, 1);
  stopCalls = () => clearInterval(timer);
  return { served: () => served };
}

function next<K extends keyof RegistryEvents>(r: TreeRegistry, event: K): Promise<RegistryEvents[K][0]> {
  return new Promise((resolve) => r.once(event, ((payload: RegistryEvents[K][0]) => resolve(payload)) as never));
}

describe("a huge tree in the watched directory does not stop the calls", () => {
  test("calls are answered while it validates in the worker; in the calling thread none would be", async () => {
    registry = TreeRegistry.open(dir);
    const running = registry.current;
    // Within the limits (1,000 nodes, 127 KB, misspelt gotos): a tree that is validated to its end.
    writeFileSync(path.join(dir, "huge.yaml"), hugeTree({ nodes: 1_000, typoEvery: 100 }));
    const calls = serveCalls(registry);

    const before = calls.served();
    const inWorker = await registry.reloadInWorker();
    const duringWorker = calls.served() - before;

    const sameThreadStart = calls.served();
    registry.reload();
    const duringSameThread = calls.served() - sameThreadStart;

    expect(inWorker.status).toBe("rejected");
    expect(duringWorker).toBeGreaterThan(0);
    expect(duringSameThread).toBe(0);
    expect(registry.current).toBe(running);
    if (inWorker.status === "rejected") {
      expect(inWorker.diagnostics.filter((d) => d.severity === "error").map((d) => `${path.basename(d.file)}:${d.line}:${d.col}: ${d.message}`).slice(0, 1)).toEqual([
        'huge.yaml:601:34: goto "n00101x": there is no node "n00101x" in this file (did you mean "n00101"?)',
      ]);
    }
  });

  test("a 2.5 MB file saved into the watched directory: rejected with its place, calls served, the running version stays", async () => {
    registry = TreeRegistry.open(dir, { debounceMs: 20 }).watch();
    const running = registry.current;
    const calls = serveCalls(registry);
    const rejected = next(registry, "rejected");
    const text = hugeTree({ nodes: 20_000, typoEvery: 100 });
    writeFileSync(path.join(dir, "huge.yaml"), text);
    const event = await rejected;

    expect(event.current).toBe(running);
    expect(registry.current).toBe(running);
    expect(calls.served()).toBeGreaterThan(0);
    const [problem] = event.diagnostics;
    expect(event.diagnostics).toHaveLength(1);
    expect(path.basename(problem!.file)).toBe("huge.yaml");
    expect(problem!.line).toBeGreaterThan(1);
    expect(problem!.message).toBe(`the file is ${text.length.toLocaleString("en")} bytes, more than the 256 KiB a tree file may have (the limit is reached here); split it into several files (gotos work across files)`);
    expect(DEFAULT_TREE_LIMITS.fileBytes).toBe(256 * 1024);
  });

  test("a valid edit still goes live through the worker, expressions and all", async () => {
    registry = TreeRegistry.open(dir);
    writeFileSync(
      path.join(dir, "main.yaml"),
      "nodes:\n  check:\n    type: branch\n    cases: [{ when: 'call.callerNumber.startsWith(\"555\")', goto: bye }]\n    default: welcome\n  welcome:\n    type: play\n    prompt: sound:hello\n    next: bye\n  bye:\n    type: hangup\n",
    );
    const outcome = await registry.reloadInWorker();
    expect(outcome.status).toBe("updated");
    const r = startCall(registry.current, "main", { callId: "c", callerNumber: "5551001" });
    expect(r.state.status).toBe("ended");
    expect(r.state.outcome).toMatchObject({ kind: "hangup" });
  });
});
