import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';

/**
 * Checks, before a command does its work, that it will be able to write what it was asked to write at the end:
 * a `setup` that changed a Uni and then could not write its config, or a `discover` that listened for 20 s and
 * then could not save what it heard, would lose that work. `option` names the flag for the message.
 * `kind: 'folder'` is for options naming a folder the command fills (created if missing).
 */
export function checkOutputPath(path: string, option: string, kind: 'file' | 'folder' = 'file'): void {
  const full = resolve(path);
  const cannot = (why: string) => new UsageError(`${option} ${path}: ${why}`);
  const existing = statOrUndefined(full);
  if (existing) {
    if (kind === 'file' && existing.isDirectory()) throw cannot('a folder, not a file');
    if (kind === 'folder' && !existing.isDirectory()) throw cannot('a file, not a folder');
    if (!writable(full)) throw cannot('not writable');
    return;
  }
  // A folder the command fills is created with its missing parents; a file needs its folder.
  let parent = dirname(full);
  if (kind === 'folder')
    while (!statOrUndefined(parent) && dirname(parent) !== parent) parent = dirname(parent);
  const folder = statOrUndefined(parent);
  if (!folder) throw cannot(`its folder ${parent} does not exist`);
  if (!folder.isDirectory()) throw cannot(`${parent} is not a folder`);
  if (!writable(parent)) throw cannot(`its folder ${parent} is not writable`);
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
