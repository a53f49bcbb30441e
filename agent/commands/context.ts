import type { Command } from 'commander';

/** What a subcommand may touch: its streams, and the exit code it reports back to `cli.ts`. */
export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  exitCode: number;
  version: string;
  /** Print stack traces with errors (log level debug); set by a command once it knows its log level. */
  debug?: boolean;
}

/** The exit codes a command gives when it fails, besides the ones its own outcome chooses. */
export interface ExitCodes {
  /** Bad arguments: an unknown option, a missing argument, a file named on the command line that is not there. */
  usage: number;
  /** A configuration (or installation) file that cannot be used. */
  config: number;
  /** Anything else that stops it: a port in use, a broker that refuses, an engine failure. */
  failure: number;
}

/** Most commands: 2 for what the user must fix before trying again, 1 for a failure while running. */
export const DEFAULT_EXIT_CODES: ExitCodes = { usage: 2, config: 2, failure: 1 };

const exitCodes = new WeakMap<Command, ExitCodes>();

/** Declares `command`'s failure codes (its subcommands inherit them). */
export function setExitCodes(command: Command, codes: ExitCodes): Command {
  exitCodes.set(command, codes);
  return command;
}

export function exitCodesOf(command: Command | null | undefined): ExitCodes {
  for (let c = command; c; c = c.parent) {
    const codes = exitCodes.get(c);
    if (codes) return codes;
  }
  return DEFAULT_EXIT_CODES;
}

/** The `Exit codes:` paragraph of a command's `--help`; `rows` are `[code, meaning]`. */
export function exitCodeHelp(rows: ReadonlyArray<readonly [number, string]>): string {
  return `\nExit codes:\n${rows.map(([code, meaning]) => `  ${code}  ${meaning}`).join('\n')}`;
}
