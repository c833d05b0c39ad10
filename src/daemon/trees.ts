import type { Config } from "../config/schema.js";
import { TreeRegistry } from "../ivr/registry.js";
import type { Logger } from "../lib/logger.js";
import type { Running } from "./lifecycle.js";

/** The IVR trees, watched for changes when `ivr.watch` is on. */
export interface Trees extends Running {
  registry: TreeRegistry;
}

export function openTrees(config: Config["ivr"], log: Logger): Trees {
  const registry = TreeRegistry.open(config.treesDir, { logger: log });
  if (config.watch) registry.watch();
  return {
    registry,
    async stop() {
      registry.close();
    },
  };
}
