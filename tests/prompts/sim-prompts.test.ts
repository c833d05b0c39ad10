// The simulator's prompt lengths come from the prompt catalogue, handed in by the CLI side.
import { describe, expect, it } from "vitest";
import { catalogueSounds, withCatalogue } from "../../src/cli/sim-prompts.js";
import { loadCatalogue, promptDurations, speechMs } from "../../src/prompts/index.js";
import { usedSounds } from "../../src/prompts/used-sounds.js";

describe("prompt lengths for the simulator", () => {
  it("are the catalogue's estimates, keyed by sound name", () => {
    const loaded = loadCatalogue("ivr-trees/prompts.yaml");
    if (!loaded.ok) throw new Error("the shipped catalogue must load");
    const sounds = catalogueSounds();
    expect(sounds).toEqual(Object.fromEntries(promptDurations(loaded.catalogue, "en")));
    expect(sounds["switchboard/main-menu"]).toBeGreaterThan(3000);
    expect(catalogueSounds("no/such/dir")).toEqual({});
  });

  it("come after a scenario's own durations and beside Asterisk's demo sounds", () => {
    const media = withCatalogue({ sounds: { "switchboard/welcome": 4000 }, unknownSound: 3000 }, { "switchboard/welcome": 3180, "switchboard/goodbye": 2500 });
    expect(media.unknownSound).toBe(3000);
    expect(media.sounds).toMatchObject({ "switchboard/welcome": 4000, "switchboard/goodbye": 2500, "demo-congrats": 1000 });
  });

  it("cover the prompts the config plays, the notice before a call is recorded included", () => {
    const loaded = loadCatalogue("ivr-trees/prompts.yaml");
    if (!loaded.ok) throw new Error("the shipped catalogue must load");
    const fromConfig = usedSounds({ trees: "ivr-trees", config: "config/switchboard.yaml", dialplan: "dialplan" }).filter((u) => u.file.endsWith("switchboard.yaml") && u.sound.startsWith("switchboard/"));
    const notice = fromConfig.find((u) => u.sound === "switchboard/call-recorded");
    expect(notice?.where).toMatch(/^supervision\.recording\.prompt/);
    const media = withCatalogue(undefined);
    for (const u of fromConfig) expect(media.sounds?.[u.sound], u.sound).toBe(speechMs(loaded.catalogue[u.sound]!.en!));
  });
});
