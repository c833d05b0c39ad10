import { CommanderError, type Command } from "commander";

/**
 * Commander reports usage mistakes (unknown option, bad choice, missing argument) with exit code 1; the
 * Switchboard CLI keeps 1 for "your trees (or data) have a problem" and uses 2 for "the command line is
 * wrong", so scripts can tell the two apart. Help and version output keep their own codes.
 */
export function usageExitCode(command: Command): Command {
  return command.exitOverride((err) => {
    if (err.exitCode === 1 && err.code.startsWith("commander.")) throw new CommanderError(2, err.code, err.message);
    throw err;
  });
}

