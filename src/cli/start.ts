import type { Command } from "commander";
import { loadConfig } from "../config/load.js";
import { startDaemon, type Daemon } from "../daemon/index.js";
import { createLogger, type Logger } from "../lib/logger.js";
import { telephonyExitCode } from "../telephony/index.js";
import { usageExitCode } from "./usage-errors.js";

/** Resolves on SIGINT or SIGTERM, after which the caller shuts down. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(s);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/** Startup failures as one clear line and the exit code scripts and orchestrators can act on. */
export function reportStartFailure(verb: string, err: unknown, log: Logger): void {
  const code = telephonyExitCode(err);
  const message = (err as Error).message;
  log.fatal({ err: err instanceof Error ? { name: err.name, message: err.message } : err }, "startup failed");
  log.flush();
  process.stderr.write(`switchboard ${verb}: ${message}\n`);
  process.exitCode = code ?? 1;
}

export async function serve(daemon: Daemon, log: Logger): Promise<void> {
  const signal = await untilSignal();
  log.info({ signal }, "shutting down: new calls go to the dialplan fallback, sessions stay in Redis");
  await daemon.stop();
  log.flush();
}

export function register(program: Command): void {
  const command = program
    .command("start")
    .description("run the daemon: answer callers over ARI, run the IVR trees, queue and connect them to agents")
    .option("-c, --config <file>", "config file", "config/switchboard.yaml")
    .addHelpText("after", "\nSecrets come from the environment variables the config names (ARI/AMI passwords, SWITCHBOARD_ADMIN_TOKEN).\nAny key can be overridden as SWITCHBOARD__SECTION__KEY=value. SIGTERM stops taking calls and exits.")
    .action(async (opts: { config: string }) => {
      let config;
      try {
        config = loadConfig(opts.config);
      } catch (err) {
        process.stderr.write(`switchboard start: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const log = createLogger(config.log.level);
      let daemon: Daemon;
      try {
        daemon = await startDaemon(config, { logger: log });
      } catch (err) {
        reportStartFailure("start", err, log);
        return;
      }
      await serve(daemon, log);
    });
  usageExitCode(command);
}
