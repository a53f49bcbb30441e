import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { DoorbellAgentError, UsageError } from '../core/errors.ts';

export function mustBeFile(path: string, what: string): void {
  if (!existsSync(path)) throw new UsageError(`${path}: no such ${what}`);
  const stat = statSync(path);
  if (stat.isDirectory()) throw new UsageError(`${path}: a folder, not a file: expected the ${what}`);
  // A pipe (`<(…)`) or a device: the file is read twice (its first bytes tell a CircuitJS drawing), so it must be one.
  if (!stat.isFile())
    throw new UsageError(`${path}: not a regular file (a pipe or a device): expected the ${what}`);
}

/** Errors the simulator raises on purpose pass as they are; anything else becomes one line in `context`. */
export function asAgentError(error: unknown, context: string): unknown {
  if (error instanceof DoorbellAgentError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.replace(/:$/, '');
  return new DoorbellAgentError(`${context}: ${message}`, { cause: error });
}

/** A CircuitJS drawing starts with its options line (`$ 1 …`, text) or its `<cir …>` root (XML). */
export function looksLikeCircuitJs(path: string): boolean {
  const head = Buffer.alloc(64);
  const fd = openSync(path, 'r');
  try {
    const length = readSync(fd, head, 0, head.length, 0);
    return /^\s*(\$ \d|<cir[\s>])/.test(head.subarray(0, length).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}
