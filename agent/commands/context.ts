/** What a subcommand may touch: its streams, and the exit code it reports back to `cli.ts`. */
export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  exitCode: number;
  version: string;
}
