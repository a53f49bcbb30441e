import { resolveInstallation } from '../../simulator/circuit/installation.ts';
import { buildInstallationSchema } from '../../simulator/circuit/installation-schema.ts';
import { loadParts, type Parts } from '../../simulator/circuit/parts.ts';
import type { Installation } from '../../simulator/circuit/types.ts';

let parts: Parts | undefined;

/** The seed's final installation as a plain object; tests override parts of it. */
export const SEED_FILE = {
  supply: { vac: 12, hz: 50 },
  doorbell: { model: 'db1' },
  chime: { mode: 'electronic', duration_s: 2 },
  power_kit: true,
  relay: { part: 'rs-0376830' },
  loop: { source: 'battery', battery: { chemistry: 'alkaline', cells: 1, state: 'fresh' } },
  uni: { model: 'gen1' },
} as const;

type Overrides = { [K in keyof typeof SEED_FILE | 'wiring']?: unknown };

/** Resolves an installation the way `wiring check` does, from the seed file with `overrides` applied. */
export async function makeInstallation(overrides: Overrides = {}): Promise<Installation> {
  parts ??= await loadParts();
  const file = buildInstallationSchema(parts).parse({ ...SEED_FILE, ...overrides });
  return resolveInstallation(file, parts);
}
