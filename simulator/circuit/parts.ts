import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as z from 'zod';
import { ConfigError } from '../../agent/core/errors.ts';

const sourcedValue = z
  .object({ value: z.number(), assumed: z.boolean(), source: z.string().min(1) })
  .strict();
const part = z.record(z.string(), sourcedValue);

export const partsSchema = z.object({
  transformer: part,
  doorbells: z.record(z.string(), part),
  power_kits: z.record(z.string(), part),
  relays: z.record(z.string(), part),
  batteries: z.record(z.string(), part),
  unis: z.object({ gen1: part, plus: part }),
});

export type SourcedValue = z.infer<typeof sourcedValue>;
export type PartSpec = z.infer<typeof part>;
export type Parts = z.infer<typeof partsSchema>;

export const CIRCUITS_DIR = fileURLToPath(new URL('../../circuits/', import.meta.url));
export const DEFAULT_PARTS_FILE = `${CIRCUITS_DIR}parts.yaml`;

export async function loadParts(file = DEFAULT_PARTS_FILE): Promise<Parts> {
  const result = partsSchema.safeParse(parse(await readFile(file, 'utf8')));
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  return result.data;
}

/** Reads one numeric parameter, recording its dotted name in `assumed` when the parts file marks it so. */
export function takeValue(spec: PartSpec, key: string, name: string, assumed: string[]): number {
  const entry = spec[key];
  if (!entry) throw new RangeError(`parts.yaml: ${name} has no ${key}`);
  if (entry.assumed) assumed.push(`${name}.${key}`);
  return entry.value;
}
