import { isMap, isPair, isScalar, isSeq, visit, type Node } from "yaml";
import type { TreeSource } from "../ivr/load.js";
import { SourceMap } from "../lib/yaml-source/source-map.js";
import { usesOfMedia, type SoundUse } from "./sound-use.js";

/**
 * Every prompt of a tree file, read from the YAML as written so each use has its line, also in trees
 * that do not validate (`switchboard validate` is where their problems are told). Prompts are the
 * `prompt` fields of nodes: play, menu, gather, transfer, hangup, and the noInput / invalid retries, and
 * the other `...Prompt` fields (a purchase node's `confirmPrompt` and `declinePrompt`).
 */
const PROMPT_KEY = /^(?:prompt|[a-z][A-Za-z]*Prompt)$/;
export function treeSoundUses(source: TreeSource): SoundUse[] {
  const map = new SourceMap(source.file, source.text);
  const nodes = map.nodeAt(["nodes"]);
  if (!isMap(nodes)) return [];
  const out: SoundUse[] = [];
  for (const pair of nodes.items) {
    if (!isScalar(pair.key) || !pair.value) continue;
    const where = `node ${String(pair.key.value)}`;
    visit(pair.value as Node, {
      Pair(_key, p) {
        if (!isPair(p) || !isScalar(p.key) || typeof p.key.value !== "string" || !PROMPT_KEY.test(p.key.value)) return;
        const items = isSeq(p.value) ? p.value.items : [p.value];
        for (const item of items) {
          if (!isScalar(item) || typeof item.value !== "string") continue;
          out.push(...usesOfMedia(item.value, { file: source.file, line: map.position(item.range?.[0] ?? 0).line, where }));
        }
      },
    });
  }
  return out;
}
