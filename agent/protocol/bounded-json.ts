import { InvalidDatagram } from '../core/errors.ts';

export interface JsonLimits {
  /** Largest accepted text, in UTF-16 code units (payloads are ASCII in practice). */
  maxChars: number;
  /** Deepest accepted nesting of objects and arrays. */
  maxDepth: number;
}

/**
 * Nesting depth of a JSON text, counted without parsing so that a hostile `[[[[…` is rejected before
 * `JSON.parse` recurses into it. Brackets inside strings are skipped.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** `JSON.parse` with size and depth limits; anything else is an `InvalidDatagram` naming `what`. */
export function parseBoundedJson(text: string, limits: JsonLimits, what: string): unknown {
  if (text.length > limits.maxChars) {
    throw new InvalidDatagram(`${what}: ${text.length} characters, more than ${limits.maxChars}`);
  }
  if (jsonDepth(text) > limits.maxDepth) {
    throw new InvalidDatagram(`${what}: JSON nested deeper than ${limits.maxDepth}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidDatagram(`${what}: invalid JSON (${(e as Error).message})`, { cause: e });
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Payload as text, refusing anything longer than `maxBytes` before decoding it. */
export function payloadText(payload: Buffer | string, maxBytes: number, what: string): string {
  const size = typeof payload === 'string' ? payload.length : payload.length;
  if (size > maxBytes) throw new InvalidDatagram(`${what}: payload of ${size} bytes, more than ${maxBytes}`);
  return typeof payload === 'string' ? payload : payload.toString('utf8');
}
