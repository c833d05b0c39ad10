import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../config/load.js";
import { readTreeDir } from "../ivr/load.js";
import { SourceMap } from "../lib/yaml-source/source-map.js";
import { announcementSoundUses, callbackSoundUses, recordingSoundUses } from "./announcement-uses.js";
import { dialplanSoundUses } from "./dialplan-uses.js";
import { expressSoundUses } from "./express-uses.js";
import type { SoundUse } from "./sound-use.js";
import { treeSoundUses } from "./tree-uses.js";

export interface UseSources {
  /** The tree directory. */
  trees: string;
  /** The daemon's config; undefined: config/switchboard.yaml when there is one, else the defaults. */
  config: string | undefined;
  /** An extensions.conf, or a directory whose .conf files are read. */
  dialplan: string;
}

/** A file or directory the admin named is not there (the command line is wrong). */
export class MissingInputError extends Error {}

const DEFAULT_CONFIG = "config/switchboard.yaml";

/** Every sound the trees, the config (queue announcements, call backs, the express price, the recording notice) and the dialplan play, each with its place. */
export function usedSounds(src: UseSources): SoundUse[] {
  return [...treeUses(src.trees), ...configUses(src.config), ...dialplanUses(src.dialplan)];
}

function treeUses(dir: string): SoundUse[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MissingInputError(`${dir}: no such tree directory`);
  return readTreeDir(dir).flatMap(treeSoundUses);
}

/** The config as the daemon reads it (defaults, environment overrides), with the lines of its file. */
function configUses(file: string | undefined): SoundUse[] {
  if (file !== undefined && !existsSync(file)) throw new MissingInputError(`${file}: no such config file`);
  const shown = file ?? DEFAULT_CONFIG;
  const config = loadConfig(file);
  const map = existsSync(shown) ? new SourceMap(shown, readFileSync(shown, "utf8")) : undefined;
  const where = map ? shown : "built-in defaults";
  return [...announcementSoundUses(config.calls.prompts, where, map), ...callbackSoundUses(config.calls.callbacks, where, map), ...expressSoundUses(config.express, where, map), ...recordingSoundUses(config.supervision.recording, where, map)];
}

function dialplanUses(where: string): SoundUse[] {
  if (!existsSync(where)) throw new MissingInputError(`${where}: no such dialplan file or directory`);
  const files = statSync(where).isDirectory()
    ? readdirSync(where).filter((n) => n.endsWith(".conf")).sort().map((n) => path.join(where, n))
    : [where];
  return files.flatMap((f) => dialplanSoundUses(f, readFileSync(f, "utf8")));
}
