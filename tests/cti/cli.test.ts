import { Command } from "commander";
import { PassThrough, Readable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import { register, type PasswordIo } from "../../src/cli/agent-password.js";
import { verifyPassword } from "../../src/cti/password.js";

afterEach(() => {
  process.exitCode = undefined;
});

async function run(stdin: PasswordIo["stdin"]) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command().exitOverride();
  register(program, { stdin, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } });
  await program.parseAsync(["agent-password"], { from: "user" });
  const code = process.exitCode ?? 0;
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** A terminal as the verb sees it: raw mode is switched on before it reads, and nothing is echoed. */
function terminal(typed: string) {
  const t = Object.assign(new PassThrough(), { isTTY: true, raw: false, setRawMode(raw: boolean) { t.raw = raw; return t; } });
  const feed = () => (t.raw ? t.write(typed) : setImmediate(feed));
  setImmediate(feed);
  return t;
}

describe("switchboard agent-password", () => {
  test("piped: hashes the first line and prints only the hash", async () => {
    const r = await run(Readable.from(["s3cret-passw0rd\nignored second line\n"]));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^scrypt\$32768\$8\$1\$\S+\$\S+\n$/);
    expect(await verifyPassword("s3cret-passw0rd", r.stdout.trim())).toBe(true);
  });

  test("at a terminal: asks twice without echo, backspace edits", async () => {
    const r = await run(terminal("long-passwordX\u007f\rlong-password\r"));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("New agent password: \nRepeat it: \n");
    expect(await verifyPassword("long-password", r.stdout.trim())).toBe(true);
  });

  test("mismatched or short passwords print nothing on stdout and exit 1", async () => {
    const differ = await run(terminal("long-password\rlong-passw0rd\r"));
    expect(differ).toMatchObject({ code: 1, stdout: "" });
    expect(differ.stderr).toContain("the two passwords differ");
    process.exitCode = undefined;
    const short = await run(Readable.from(["short\n"]));
    expect(short).toEqual({ code: 1, stdout: "", stderr: "switchboard agent-password: the password needs at least 8 characters\n" });
  });
});
