import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { readTreeDir } from "../../src/ivr/load.js";
import { formatDiagnostic } from "../../src/lib/yaml-source/diagnostics.js";
import { dialplanSoundUses } from "../../src/prompts/dialplan-uses.js";
import { soundInventory } from "../../src/prompts/inventory.js";
import { numberSounds, soundsOfMedia } from "../../src/prompts/media.js";
import { loadCatalogue, parseCatalogue, promptDurations, speechMs, type Catalogue } from "../../src/prompts/index.js";
import { usedSounds } from "../../src/prompts/used-sounds.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const at = (p: string) => path.join(root, p);

function shipped(): Catalogue {
  const loaded = loadCatalogue(at("ivr-trees/prompts.yaml"));
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join("\n"));
  return loaded.catalogue;
}

describe("the shipped catalogue", () => {
  const uses = usedSounds({ trees: at("ivr-trees"), config: at("config/switchboard.yaml"), dialplan: at("dialplan") });

  test("has an English text for every switchboard/ sound the trees and the dialplan play", () => {
    const ours = uses.filter((u) => u.sound.startsWith("switchboard/"));
    // switchboard.yaml: the express upgrade's currency words, said with the price from its config
    expect(new Set(ours.map((u) => path.basename(u.file)))).toEqual(new Set(["callback.yaml", "main.yaml", "express-upgrade.yaml", "outage.yaml", "retention.yaml", "survey.yaml", "extensions.conf", "switchboard.yaml"]));
    const catalogue = shipped();
    const untexted = ours.filter((u) => catalogue[u.sound]?.en === undefined).map((u) => `${u.sound} (${path.relative(root, u.file)}:${u.line})`);
    expect(untexted, "add a text to ivr-trees/prompts.yaml for each").toEqual([]);
    expect(soundInventory(uses, catalogue, "en").filter((e) => e.source === "missing")).toEqual([]);
  });

  test("has no text that nothing plays", () => {
    const played = new Set(uses.map((u) => u.sound));
    expect(Object.keys(shipped()).filter((s) => !played.has(s))).toEqual([]);
  });

  test("never tells callers the express lane is a privilege (the name is the admin's)", () => {
    const texts = Object.values(shipped()).flatMap((t) => Object.values(t));
    expect(texts.filter((t) => /privilege|priority|vip|lane/i.test(t))).toEqual([]);
  });

  test("is not loaded as a tree", () => {
    expect(readTreeDir(at("ivr-trees")).map((s) => path.basename(s.file))).toEqual(["callback.yaml", "express-upgrade.yaml", "main.yaml", "outage.yaml", "retention.yaml", "survey.yaml"]);
  });
});

describe("durations", () => {
  test("grow with the text, count pauses at punctuation, and include the silence around the speech", () => {
    expect(speechMs("Goodbye.")).toBe(7 * 60 + 400 + 200);
    expect(speechMs("Press 1, or hold")).toBe(11 * 60 + 270 + 200 + 400 + 200);
    expect(speechMs("Thank you for calling. Goodbye.")).toBeGreaterThan(speechMs("Goodbye."));
  });

  test("promptDurations gives each prompt with a text in the language, by sound name", () => {
    const d = promptDurations({ "switchboard/a": { en: "Hello.", de: "Hallo." }, "switchboard/b": { de: "Tschüss." } }, "en");
    expect([...d]).toEqual([["switchboard/a", speechMs("Hello.")]]);
  });
});

describe("what a media URI plays", () => {
  test("sound: names the file; number:, digits: and characters: use Asterisk's digits/ and letters/", () => {
    expect(soundsOfMedia("sound:switchboard/welcome")).toEqual(["switchboard/welcome"]);
    expect(numberSounds(0)).toEqual(["digits/0"]);
    expect(numberSounds(42)).toEqual(["digits/40", "digits/2"]);
    expect(numberSounds(1305)).toEqual(["digits/1", "digits/thousand", "digits/3", "digits/hundred", "digits/5"]);
    expect(soundsOfMedia("digits:1*#")).toEqual(["digits/1", "digits/star", "digits/pound"]);
    expect(soundsOfMedia("characters:Ab")).toEqual(["letters/a", "letters/b"]);
    expect(soundsOfMedia("tone:ring")).toEqual([]);
  });

  test("the dialplan's Playback, Background and Read files, with their lines; variables and comments left out", () => {
    const text = [
      "[ivr]",
      "exten => s,1,Background(switchboard/a&switchboard/b) ; greeting",
      " same => n,Read(ACCOUNT,switchboard/c,8)",
      " same => n,Playback(${GREETING})",
      ";exten => s,n,Playback(switchboard/old)",
      " same => n,Dial(PJSIP/1001,30,m)",
    ].join("\n");
    expect(dialplanSoundUses("x.conf", text)).toEqual([
      { sound: "switchboard/a", file: "x.conf", line: 2, where: "Background in [ivr]" },
      { sound: "switchboard/b", file: "x.conf", line: 2, where: "Background in [ivr]" },
      { sound: "switchboard/c", file: "x.conf", line: 3, where: "Read in [ivr]" },
    ]);
  });
});

describe("a broken catalogue", () => {
  test("names file:line:col for each mistake", () => {
    const file = "tests/prompts/broken/prompts.yaml";
    const result = parseCatalogue(file, readFileSync(at(file), "utf8"));
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.diagnostics.map(formatDiagnostic);
    expect(lines).toEqual([
      `${file}:4:1: error: sound name "switchboard/goodbye.wav" must not carry an extension: Asterisk picks the file format itself (write switchboard/goodbye)`,
      `${file}:7:3: error: language "EN" of prompt "switchboard/no-input" must be an Asterisk language code such as en, de or en_GB`,
      `${file}:9:7: error: the "en" text of prompt "switchboard/all-busy" must be text, not a list`,
      `${file}:10:1: error: prompt "switchboard/welcome" is written twice (first at line 2); only one of them would be used`,
      `${file}:12:20: error: prompt "switchboard/empty": has no text: give one per language, e.g. en: "Thank you for calling."`,
    ]);
  });

  test("YAML syntax errors are told once, at their place", () => {
    const result = parseCatalogue("p.yaml", 'switchboard/welcome:\n\ten: "tab"\n');
    expect(result.ok ? [] : result.diagnostics.map(formatDiagnostic)).toEqual(["p.yaml:2:1: error: YAML syntax error: a tab is used for indentation; indent with spaces"]);
  });
});
