import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadCatalogue, speechMs } from "../../src/prompts/index.js";

/** These tests run the built CLI (`npm test` builds first), as an admin would. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin/switchboard.js");

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [bin, "prompts", ...args], { cwd: root, encoding: "utf8", env: { ...env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ListBody {
  ok: boolean;
  counts: Record<string, number>;
  sounds: Array<{ sound: string; source: string; uses: Array<{ file: string; line?: number; where: string }> }>;
}

let tmp: string;
beforeAll(() => {
  expect(existsSync(path.join(root, "dist/cli/main.js")), "run `npm run build` first (npm test does)").toBe(true);
  tmp = mkdtempSync(path.join(tmpdir(), "switchboard-prompts-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("switchboard prompts list", () => {
  test("names each sound with the file:line that plays it and where it comes from", () => {
    const r = run(["list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^switchboard\/welcome +catalogue +ivr-trees\/main\.yaml:14$/m);
    expect(r.stdout).toMatch(/^switchboard\/after-hours +catalogue +ivr-trees\/main\.yaml:\d+ dialplan\/extensions\.conf:44,51$/m);
    expect(r.stdout).toMatch(/^queue-thereare +core +config\/switchboard\.yaml:\d+$/m);
    // every text of the shipped catalogue is played by something (catalogue.test.ts), so all of them count
    const shipped = loadCatalogue(path.join(root, "ivr-trees/prompts.yaml"));
    const texts = shipped.ok ? Object.keys(shipped.catalogue).length : NaN;
    expect(r.stdout).toMatch(new RegExp(`^\\d+ sounds used: ${texts} in the catalogue \\(en\\), \\d+ Asterisk core sounds, 0 without a text$`, "m"));
  });

  test("--format json: the queue announcements come from the config's calls section, with its defaults", () => {
    const r = run(["list", "--format", "json"]);
    const body = JSON.parse(r.stdout) as ListBody;
    expect(body.ok).toBe(true);
    const position = body.sounds.find((s) => s.sound === "queue-thereare");
    expect(position).toMatchObject({ source: "core", uses: [{ file: "config/switchboard.yaml", where: "calls.prompts.position (default)" }] });
    expect(body.sounds.find((s) => s.sound === "digits/0")?.source).toBe("core");
  });

  test("a sound without a text is marked, and the exit code is 1", () => {
    const config = path.join(tmp, "switchboard.yaml");
    writeFileSync(config, "calls:\n  prompts:\n    position: sound:switchboard/you-are-number\n");
    const r = run(["list", "--config", config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^switchboard/you-are-number +NO TEXT +${config}:3$`, "m"));
    expect(r.stdout).toContain("add a text in en to ivr-trees/prompts.yaml for each sound marked NO TEXT");
  });

  test("a broken catalogue prints file:line:col for each problem and exits 1", () => {
    const r = run(["list", "--catalogue", "tests/prompts/broken/prompts.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tests/prompts/broken/prompts.yaml:4:1: error: sound name "switchboard/goodbye.wav" must not carry an extension');
    expect(r.stderr).toContain("switchboard prompts list: tests/prompts/broken/prompts.yaml: the prompt catalogue has errors");
  });
});

describe("switchboard prompts check", () => {
  /** A sounds directory holding every sound list names, in the layouts Asterisk reads. */
  function fullSoundsDir(): string {
    const dir = mkdtempSync(path.join(tmp, "sounds-"));
    const body = JSON.parse(run(["list", "--format", "json"]).stdout) as ListBody;
    body.sounds.forEach((s, i) => {
      // core sounds at the top level in gsm, ours under en/ in wav: both are where Asterisk looks
      const file = s.source === "core" ? path.join(dir, `${s.sound}.gsm`) : path.join(dir, "en", `${s.sound}.${i % 2 ? "wav" : "ulaw"}`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, "");
    });
    return dir;
  }

  test("passes when every sound is there, and names a missing one with where it is used", () => {
    const dir = fullSoundsDir();
    const ok = run(["check", "--sounds", dir]);
    expect(ok.stdout).toMatch(/\(en\): (\d+) of \1 sounds found, 0 missing\n$/);
    expect(ok.code).toBe(0);

    rmSync(path.join(dir, "en/switchboard/welcome.wav"), { force: true });
    rmSync(path.join(dir, "en/switchboard/welcome.ulaw"), { force: true });
    writeFileSync(path.join(dir, "en/switchboard/welcome.mp3"), ""); // not a format Asterisk plays
    const missing = run(["check", "--sounds", dir]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^missing +switchboard\/welcome +catalogue +ivr-trees\/main\.yaml:14$/m);
    expect(missing.stdout).toContain("1 missing");
    expect(missing.stdout).toContain("switchboard prompts synth --out");
  });

  test("without --sounds, or with one that is not there, it is a usage error (2)", () => {
    expect(run(["check"]).code).toBe(2);
    const r = run(["check", "--sounds", path.join(tmp, "nope")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no such directory");
  });
});

describe("switchboard prompts synth", () => {
  const only = ["switchboard/goodbye", "switchboard/no-input"];

  test("writes playable 8 kHz mono 16-bit WAVs about as long as the estimate", () => {
    const out = path.join(tmp, "synth");
    const r = run(["synth", "--out", out, "--only", only.join(",")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const loaded = loadCatalogue(path.join(root, "ivr-trees/prompts.yaml"));
    if (!loaded.ok) throw new Error("the shipped catalogue does not load");
    for (const sound of only) {
      const file = path.join(out, "en", `${sound}.wav`);
      const wav = readFileSync(file);
      expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
      expect(wav.toString("ascii", 8, 12)).toBe("WAVE");
      expect(wav.toString("ascii", 12, 16)).toBe("fmt ");
      expect({ format: wav.readUInt16LE(20), channels: wav.readUInt16LE(22), rate: wav.readUInt32LE(24), bits: wav.readUInt16LE(34) }).toEqual({ format: 1, channels: 1, rate: 8000, bits: 16 });
      const info = spawnSync("sox", ["--i", file], { encoding: "utf8" }).stdout;
      expect(info).toMatch(/Sample Rate\s*: 8000/);
      expect(info).toMatch(/Sample Encoding: 16-bit Signed Integer PCM/);
      const seconds = Number(spawnSync("sox", ["--i", "-D", file], { encoding: "utf8" }).stdout);
      const estimate = speechMs(loaded.catalogue[sound]!.en!) / 1000;
      expect(Math.abs(seconds - estimate) / estimate).toBeLessThan(0.2);
    }
    expect(run(["synth", "--out", out, "--only", only[0]!]).stdout).toContain("it exists; --force replaces it");
  });

  test("a missing tool names the Debian packages; an unknown --only is a usage error", () => {
    const r = run(["synth", "--out", path.join(tmp, "no-tools"), "--only", only[0]!], { ...process.env, PATH: path.join(tmp, "empty-path") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("install Debian's packages (apt-get install espeak-ng sox)");
    const unknown = run(["synth", "--out", tmp, "--only", "switchboard/goodby"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "switchboard/goodbye"?');
  });
});
