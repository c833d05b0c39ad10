import { fieldName, type PlaceNames } from "../lib/yaml-source/schema-messages.js";

/** A menu's `options.1` reads as `option "1"`; fields under it as `"goto" of option "1"`. */
const optionLabel = (names: string[]): string | undefined =>
  names[0] === "options" && names.length >= 2 ? [`option "${names[1]}"`, ...names.slice(2).map((n) => `"${n}"`)].reverse().join(" of ") : undefined;

const isNode = (path: readonly PropertyKey[]) => path[0] === "nodes" && path.length >= 2;

/**
 * How a tree's problems name their place: `node "welcome"`, `"timeout" in node "main-menu"`, `option "1"
 * in node "main-menu"`, `"goto" of "cases" item 2 in node "route"`, `"start"`, `the file`.
 */
export const treePlaces: PlaceNames = {
  subject(path) {
    if (path.length === 0) return "the file";
    if (!isNode(path)) return fieldName(path, optionLabel);
    const node = `node "${String(path[1])}"`;
    return path.length === 2 ? node : `${fieldName(path.slice(2), optionLabel)} in ${node}`;
  },
  // A missing field of a node points at the node's id, where the admin reads which node is incomplete.
  missingAtKey: (parent) => parent.length === 2 && parent[0] === "nodes",
  badKey: (path) =>
    path.length === 4 && path[0] === "nodes" && path[2] === "options"
      ? `option "${String(path[3])}" in menu "${String(path[1])}" is not a DTMF key: use one key, 0-9, * or #`
      : undefined,
};
