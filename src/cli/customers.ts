import type { Command } from "commander";
import { Redis } from "ioredis";
import { loadConfig } from "../config/load.js";
import { CustomerFileError, loadCustomersFile } from "../crm/file-store.js";
import { RedisCustomerStore } from "../crm/redis-store.js";

/**
 * `switchboard customers check [file]` checks a customers file the way `validate` checks trees;
 * `switchboard customers seed [file]` loads it into the Redis the config names (for `crm.store: redis`).
 */
export function register(program: Command): void {
  const customers = program.command("customers").description("check a customers file, or load it into Redis for crm.store: redis");

  customers
    .command("check")
    .description("check a customers file: fields, dates (relative ones too), duplicate ids and numbers")
    .argument("[file]", "customers file", "config/customers.yaml")
    .addHelpText("after", "\nPrints file:line:col: error: message for every problem; exit code 1 when there is one.")
    .action((file: string) => {
      const list = load("check", file);
      if (list) process.stdout.write(`${file}: ${list.length} customer${list.length === 1 ? "" : "s"}, no errors\n`);
    });

  customers
    .command("seed")
    .description("load a customers file into Redis (replaces those customers, keeps others)")
    .argument("[file]", "customers file", "config/customers.yaml")
    .option("-c, --config <file>", "config file naming redis.url and redis.keyPrefix", "config/switchboard.yaml")
    .action(async (file: string, opts: { config: string }) => {
      const list = load("seed", file);
      if (!list) return;
      let config;
      try {
        config = loadConfig(opts.config);
      } catch (err) {
        return fail("seed", (err as Error).message);
      }
      const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      let connectError: Error | undefined;
      redis.on("error", (err: Error) => (connectError ??= err)); // reported below, with its cause
      try {
        try {
          await redis.connect();
        } catch (err) {
          throw new Error(`cannot reach Redis: ${(connectError ?? (err as Error)).message}`);
        }
        const n = await new RedisCustomerStore(redis, config.redis.keyPrefix).seed(list);
        // The URL may carry a password: name the prefix only.
        process.stdout.write(`seeded ${n} customer${n === 1 ? "" : "s"} from ${file} under key prefix "${config.redis.keyPrefix}"\n`);
      } catch (err) {
        fail("seed", (err as Error).message);
      } finally {
        redis.disconnect();
      }
    });
}

function load(verb: string, file: string) {
  try {
    return loadCustomersFile(file, new Date());
  } catch (err) {
    if (err instanceof CustomerFileError) {
      process.stdout.write(`${err.message}\n`);
      process.exitCode = 1;
      return undefined;
    }
    return fail(verb, (err as Error).message);
  }
}

function fail(verb: string, message: string): undefined {
  process.stderr.write(`switchboard customers ${verb}: ${message}\n`);
  process.exitCode = 1;
  return undefined;
}
