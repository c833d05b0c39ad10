import { InvalidArgumentError, type Command } from "commander";
import { createLogger } from "../lib/logger.js";
import { isAddressInUse, portFree, portInUseMessage } from "./demo/port.js";
import { startDemo, stopDemo, type DemoRun } from "./demo/run.js";
import { Shutdown } from "./demo/shutdown.js";
import { demoTerminal, type LogFormat } from "./demo/terminal.js";
import { reportStartFailure } from "./start.js";
import { usageExitCode } from "./usage-errors.js";

/**
 * `switchboard demo`: the daemon against the built-in PBX simulator and a local Redis, with the demo
 * scenario's synthetic callers dialing in and synthetic agents answering. Everything listens on loopback.
 * The parts live in ./demo/ (run.ts starts and stops them).
 */

interface DemoOptions {
  config: string;
  scenario: string;
  port: number;
  logLevel: string;
  logFormat: "auto" | LogFormat;
}

const HOST = "127.0.0.1";

function portNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError("a port number 0-65535 (0: any free port)");
  return n;
}

function logFormat(v: string): DemoOptions["logFormat"] {
  if (v !== "auto" && v !== "compact" && v !== "json") throw new InvalidArgumentError("auto, compact or json");
  return v;
}

const say = (text: string) => void process.stderr.write(text);

export function register(program: Command): void {
  const command = program
    .command("demo")
    .description("run the daemon with the built-in PBX simulator, synthetic callers and agents, and a local Redis")
    .option("-c, --config <file>", "daemon config (its Asterisk, Redis, HTTP and webhook settings are replaced)", "config/switchboard.yaml")
    .option("--scenario <file>", "simulator scenario", "src/sim/scenarios/demo.yaml")
    .option("--port <n>", "HTTP port of the daemon on 127.0.0.1 (0: any free port)", portNumber, 8080)
    .option("--log-format <format>", "auto (one line per event on a terminal, JSON lines otherwise), compact or json", logFormat, "auto")
    .option("--log-level <level>", "pino log level", "info")
    .addHelpText(
      "after",
      "\nUses REDIS_URL when set; otherwise starts redis-server on a free loopback port (installing Debian's package if missing), with appendonly yes and a password generated for the run.\nStop with Ctrl-C: no new calls, the daemon drains, then the simulator and Redis stop; a second Ctrl-C forces.",
    )
    .action(async (opts: DemoOptions) => {
      const format: LogFormat = opts.logFormat === "auto" ? (process.stdout.isTTY ? "compact" : "json") : opts.logFormat;
      const terminal = demoTerminal(format);
      const log = createLogger(opts.logLevel as "info", { stream: terminal.stream });
      if (!(await portFree(HOST, opts.port))) {
        say(`${portInUseMessage(HOST, opts.port)}\n`);
        process.exitCode = 1;
        return;
      }
      const shutdown = new Shutdown(say);
      const run: DemoRun = { config: opts.config, scenario: opts.scenario, port: opts.port, log, terminal, shutdown, say };
      let parts;
      try {
        parts = await startDemo(run);
      } catch (err) {
        shutdown.dispose();
        if (isAddressInUse(err)) {
          say(`${portInUseMessage(HOST, opts.port)}\n`);
          process.exitCode = 1;
        } else {
          reportStartFailure("demo", err, log);
        }
        return;
      }
      await shutdown.requested;
      const clean = await stopDemo(run, parts);
      shutdown.dispose();
      log.flush();
      process.exitCode = clean ? 0 : 1;
      // whatever a library left open must not hold the exit up
      setTimeout(() => process.exit(), 3000).unref();
    });
  usageExitCode(command);
}
