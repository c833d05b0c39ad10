import { z } from "zod";
import { DEFAULT_MAX_YAML_VALUES } from "../lib/yaml-source/to-js.js";

/**
 * How big trees may get. Validation is linear in the size of the files, and these bounds keep every
 * load short (well under 2 s per file on a busy two-core machine): a file past a bound is refused with
 * a diagnostic at the place where it crosses it, and the rest of it is not looked at. The shipped
 * trees are a few kilobytes and a few dozen nodes; the bounds are some fifty times that.
 */
export const treeLimitsSchema = z.object({
  /** Bytes of one tree file. */
  fileBytes: z.number().int().positive().default(256 * 1024),
  /** Bytes of all the tree files of a directory together. */
  dirBytes: z.number().int().positive().default(4 * 1024 * 1024),
  /** Nodes of one tree. */
  nodesPerTree: z.number().int().positive().default(2_000),
  /** Values a file may expand to, every *alias counting as a copy of its anchor. */
  yamlValues: z.number().int().positive().default(DEFAULT_MAX_YAML_VALUES),
  /** Characters of one CEL expression. */
  expressionChars: z.number().int().positive().default(2_000),
});

export type TreeLimits = z.infer<typeof treeLimitsSchema>;

export const DEFAULT_TREE_LIMITS: TreeLimits = Object.freeze(treeLimitsSchema.parse({}));

/** Limits with no practical bound, for benchmarks that measure how validation time grows. */
export const UNBOUNDED_TREE_LIMITS: TreeLimits = Object.freeze({
  fileBytes: Number.MAX_SAFE_INTEGER,
  dirBytes: Number.MAX_SAFE_INTEGER,
  nodesPerTree: Number.MAX_SAFE_INTEGER,
  yamlValues: Number.MAX_SAFE_INTEGER,
  expressionChars: Number.MAX_SAFE_INTEGER,
});

const number = (n: number) => n.toLocaleString("en");

/** `256 KiB`, `4 MiB`: how the limits read in messages. */
export function bytesText(n: number): string {
  if (n % (1024 * 1024) === 0) return `${number(n / 1024 / 1024)} MiB`;
  if (n % 1024 === 0) return `${number(n / 1024)} KiB`;
  return `${number(n)} bytes`;
}

/** The index in `text` of the first character whose UTF-8 bytes go past `maxBytes`, or -1 if none does. */
export function offsetPastBytes(text: string, maxBytes: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 4 : c >= 0xdc00 && c < 0xe000 ? 0 : 3;
    if (bytes > maxBytes) return i;
  }
  return -1;
}

export const limitText = { number, bytes: bytesText };
