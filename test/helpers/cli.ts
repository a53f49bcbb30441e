import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'doorbell-agent.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called on every chunk of output; return true to send SIGTERM. */
  killAfter?: (stderr: string, stdout: string) => boolean;
  /** Sees the process as soon as it is started. */
  started?: (child: ChildProcess) => void;
  /** SIGKILL after this long (a hung process fails the test instead of the suite). Default 30 s. */
  timeoutMs?: number;
}

/** `node bin/doorbell-agent.js …` as a real process, its output captured; stdin is closed. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: {
      ...process.env,
      DOORBELL_AGENT_LOG_LEVEL: undefined,
      DOORBELL_AGENT_DATA: undefined,
      ...options.env,
    },
  });
  options.started?.(child);
  let stdout = '';
  let stderr = '';
  let killed = false;
  const check = () => {
    if (!killed && options.killAfter?.(stderr, stdout)) {
      killed = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', (d) => {
    stdout += d;
    check();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** A stack trace line, as Node prints them. */
export const STACK_LINE = /^\s+at .+[(:]\d+/m;
