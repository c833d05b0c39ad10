import type { ExpressConfig } from "../crm/express-config.js";
import { spokenPrice } from "../crm/express.js";
import type { SourceMap } from "../lib/yaml-source/source-map.js";
import { usesOfMedia, type SoundUse } from "./sound-use.js";

/**
 * The express upgrade's price and confirm key, said between the purchase node's prompts: the sounds
 * come from the config (`express.upgrade`), not from any tree, so they are listed at its line. The
 * currency words must be recorded for the configured currency.
 */
export function expressSoundUses(express: ExpressConfig, file: string, map: SourceMap | undefined): SoundUse[] {
  const u = express.upgrade;
  if (!u) return [];
  const line = map?.nodeAt(["express", "upgrade"]) !== undefined ? map.locate(["express", "upgrade"], { key: true }).line : undefined;
  const at = { file, ...(line === undefined ? {} : { line }), where: "express.upgrade: the price and confirm key read to the caller" };
  return [...spokenPrice(u.price, u.currency), `digits:${u.confirmKey}`].flatMap((uri) => usesOfMedia(uri, at));
}
