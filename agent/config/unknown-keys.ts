import { closest } from './closest.ts';
import { knownKeys } from './keys.ts';

export interface KeyProblem {
  path: PropertyKey[];
  message: string;
}

/**
 * Every key of the raw configuration that the schema does not know, with the likely intended key. Done apart
 * from zod, which stops looking inside a value (such as a chime) once it failed for another reason.
 */
export function unknownKeys(raw: unknown, path: PropertyKey[] = []): KeyProblem[] {
  if (Array.isArray(raw)) return raw.flatMap((item, index) => unknownKeys(item, [...path, index]));
  if (typeof raw !== 'object' || raw === null) return [];
  const known = knownKeys(path);
  if (known.length === 0) return [];
  return Object.entries(raw).flatMap(([key, value]) =>
    known.includes(key) ? unknownKeys(value, [...path, key]) : [unknownKey([...path, key], known)],
  );
}

export function unknownKey(path: PropertyKey[], known: readonly string[]): KeyProblem {
  const key = String(path[path.length - 1]);
  // Known here but refused: a key of the other `mode` of a chime (`duration_s` beside `mode: mechanical`).
  if (known.includes(key)) return { path, message: 'not a key of this mode (it belongs to the other one)' };
  const guess = closest(key, known);
  return { path, message: guess ? `unknown key (did you mean ${guess}?)` : 'unknown key' };
}
