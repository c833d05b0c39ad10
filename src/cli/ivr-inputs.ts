import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { isTreeFile, PROMPT_CATALOGUE_FILE, readTreeDir, type TreeSource } from "../ivr/load.js";

/**
 * What the admin typed, turned into sets of trees to load. A directory is one set. A single file is
 * loaded with the other tree files of its directory, since its gotos may lead into them; only the files
 * that were named are reported on.
 */
export interface TreeGroup {
  dir: string;
  sources: TreeSource[];
  /** Absolute paths of the files to report on (every file, when a directory was named). */
  report: Set<string>;
}

export class InputError extends Error {}

export function treeGroups(paths: readonly string[]): TreeGroup[] {
  const groups = new Map<string, TreeGroup>();
  for (const p of paths) {
    if (!existsSync(p)) throw new InputError(`${p}: no such file or directory`);
    const isDir = statSync(p).isDirectory();
    if (!isDir && path.basename(p) === PROMPT_CATALOGUE_FILE) throw new InputError(`${p}: the prompt catalogue, not a tree (check it with: switchboard prompts list)`);
    if (!isDir && !isTreeFile(path.basename(p))) throw new InputError(`${p}: not a tree file (trees are .yaml or .yml files)`);
    const dir = isDir ? p : path.dirname(p);
    const key = path.resolve(dir);
    let group = groups.get(key);
    if (!group) {
      const sources = readTreeDir(dir);
      if (sources.length === 0) throw new InputError(`${p}: no tree files (.yaml, .yml) in this directory`);
      group = { dir, sources, report: new Set() };
      groups.set(key, group);
    }
    const named = isDir ? group.sources.map((s) => s.file) : [p];
    for (const f of named) group.report.add(path.resolve(f));
  }
  return [...groups.values()];
}
