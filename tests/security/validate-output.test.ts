/**
 * `switchboard validate` as an admin runs it, on tree files an attacker may have written: what the files
 * say never reaches the terminal as a control sequence, and a reader that stops early (`| head`) ends
 * the verb quietly instead of with a stack trace.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
let dir: string;
let many: string;

/** ESC sequences (set the window title, clear the screen), BEL, a C1 CSI and a right-to-left override. */
const HOSTILE_YAML = String.raw`"\e]0;pwned\a\e[2J\x9b31m\u202eevil"`;
const HOSTILE_CHARS = /[\u001b\u0007\u009b\u202e]/;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sb-validate-output-"));
  const hostile = path.join(dir, "hostile");
  mkdirSync(hostile);
  writeFileSync(path.join(hostile, "esc.yaml"), `name: esc\nnodes:\n  start:\n    type: play\n    prompt: sound:x\n    next: ${HOSTILE_YAML}\n`);
  // a file name can carry a sequence too
  writeFileSync(path.join(hostile, "name\u001b[31m.yaml"), "name: n\nnodes:\n  start:\n    type: play\n    prompt: sound:x\n    next: nowhere\n");
  // enough problems that the output is far larger than a pipe holds
  many = path.join(dir, "many");
  mkdirSync(many);
  for (let f = 0; f < 400; f++) {
    const nodes = Array.from({ length: 5 }, (_, i) => `  n${i}:\n    type: play\n    prompt: sound:x\n    next: missing-${i}\n`).join("");
    writeFileSync(path.join(many, `t${f}.yaml`), `name: t${f}\nnodes:\n${nodes}`);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a shell line with `switchboard` as the CLI from the sources; bash reports the verb's own exit code. */
function sh(line: string) {
  const cli = `"${process.execPath}" --import tsx src/cli/main.ts`;
  const r = spawnSync("bash", ["-c", `${line.replaceAll("switchboard", cli)}; echo "exit=\${PIPESTATUS[0]}" >&2`], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 120_000,
  });
  const exit = /exit=(\d+)\s*$/.exec(r.stderr)?.[1];
  return { exit: exit === undefined ? null : Number(exit), stdout: r.stdout, stderr: r.stderr.replace(/exit=\d+\s*$/, "") };
}

describe("switchboard validate", () => {
  test("escapes control characters from tree values and file names in its text output", () => {
    const r = sh(`switchboard validate "${path.join(dir, "hostile")}"`);
    expect(r.exit).toBe(1);
    expect(r.stdout).not.toMatch(HOSTILE_CHARS);
    expect(r.stdout).toContain(String.raw`\x1b]0;pwned\x07\x1b[2J\x9b31m\u{202e}evil`);
    expect(r.stdout).toContain(String.raw`name\x1b[31m.yaml`);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toMatch(/^2 files checked: \d+ errors?, \d+ warnings?$/);
  }, 120_000);

  test("escapes them in its JSON output too, which still parses to the same values", () => {
    const r = sh(`switchboard validate --format json "${path.join(dir, "hostile")}"`);
    expect(r.exit).toBe(1);
    expect(r.stdout).not.toMatch(HOSTILE_CHARS);
    const body = JSON.parse(r.stdout) as { diagnostics: Array<{ message: string; file: string }> };
    expect(body.diagnostics.some((d) => d.message.includes("\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil"))).toBe(true);
    expect(body.diagnostics.some((d) => d.file.endsWith("name\u001b[31m.yaml"))).toBe(true);
  }, 120_000);

  test.each([["text", ""], ["json", "--format json"]])("piped into head (%s), it exits quietly with its own exit code", (_format, flag) => {
    const r = sh(`switchboard validate ${flag} "${many}" | head -n 1`);
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe("");
    expect(r.exit).toBe(1); // the trees have errors: validate's code, not a crash's
  }, 120_000);
});
