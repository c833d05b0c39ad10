import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const child = fileURLToPath(new URL("./helpers/quiet-child.ts", import.meta.url));

function run(): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    // generous: the child exits by itself within a second or two when nothing is left running
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, 20_000);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

describe("gateways in a real process", () => {
  it("keep stdout to JSON log lines during connect and exit on their own after stop()", async () => {
    const r = await run();
    expect(r.timedOut, `child did not exit by itself; stderr:\n${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => l.length > 0);
    expect(lines).toContain("MARK console.log restored");
    const other = lines.filter((l) => l !== "MARK console.log restored");
    for (const line of other) expect(() => JSON.parse(line), `not a JSON log line: ${line}`).not.toThrow();
    expect(r.stdout).not.toMatch(/deprecated version of Swagger/);
    const msgs = other.map((l) => (JSON.parse(l) as { msg?: string }).msg);
    expect(msgs).toContain("ARI connected");
    expect(msgs).toContain("AMI connected");
    expect(msgs).toContain("ARI reconnected");
  }, 30_000);
});
