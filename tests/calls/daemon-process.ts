/** The daemon as a real child process (`node bin/switchboard.js start -c <file>`), for crash tests. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = path.join(root, "bin/switchboard.js");

export interface DaemonProcess {
  readonly pid: number;
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the daemon wrote so far (logs on stdout, startup failures on stderr), for failure messages. */
  output(): string;
  /** Sends `signal` and waits for the exit; after `ms` without one the process is killed outright. */
  stop(signal: NodeJS.Signals, ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the daemon from the compiled CLI (run `npm run build` first) in the repository root, so the
 * config's relative paths (offers, customers) resolve as for a user. `env` is added to this process's
 * environment without any SWITCHBOARD__ overrides a developer may have set.
 */
export function spawnDaemon(configFile: string, env: Record<string, string>): DaemonProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SWITCHBOARD__")));
  const child: ChildProcess = spawn(process.execPath, [bin, "start", "-c", configFile], {
    cwd: root,
    env: { ...base, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  // keep draining both pipes so a chatty daemon never blocks on a full pipe
  child.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  if (child.pid === undefined) throw new Error("the daemon process did not start");
  const pid = child.pid;
  return {
    pid,
    exited,
    output: () => out,
    async stop(signal, ms = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Polls GET /readyz until it answers 200 (ARI and Redis up), the process exits, or `ms` pass. */
export async function waitReady(url: string, proc: DaemonProcess, ms = 20_000): Promise<void> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void proc.exited.then((e) => (exit = e));
  const until = Date.now() + ms;
  for (;;) {
    if (exit) throw new Error(`the daemon exited (${exit.code ?? exit.signal}) before it was ready:\n${proc.output()}`);
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > until) throw new Error(`the daemon was not ready within ${ms} ms (last status ${status}):\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
