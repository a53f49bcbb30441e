import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `shared/` sits beside the checkout (developers) or beside the CI clone; DOORBELL_SHARED overrides. */
export function sharedDir(): string {
  const fromEnv = process.env.DOORBELL_SHARED;
  if (fromEnv) return fromEnv;
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const candidate = join(repo, '..', 'shared');
  if (!existsSync(candidate)) throw new Error(`shared/ not found at ${candidate}; set DOORBELL_SHARED`);
  return candidate;
}
