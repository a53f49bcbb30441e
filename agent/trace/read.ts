/** One input line of a trace (`docs/trace-format.md`). */
export type TraceLine =
  | { kind: 'coiot'; t: number; src: string; bytes: Buffer }
  | { kind: 'mqtt'; t: number; topic: string; payload: Buffer; retain: boolean }
  | { kind: 'agent-restart'; t: number }
  | { kind: 'end'; t: number };

export type ParsedLine = { ok: true; line: TraceLine } | { ok: false; reason: string };

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Parses one JSONL line; never throws. Blank lines are reported as `null`. */
export function parseTraceLine(text: string): ParsedLine | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'not a JSON object' };
  const record = value as Record<string, unknown>;
  const t = record.t;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
    return { ok: false, reason: '"t" is not a non-negative number' };
  switch (record.kind) {
    case 'coiot':
      if (typeof record.src !== 'string') return { ok: false, reason: '"src" is not a string' };
      if (typeof record.hex !== 'string' || !HEX.test(record.hex))
        return { ok: false, reason: '"hex" is not hex bytes' };
      return { ok: true, line: { kind: 'coiot', t, src: record.src, bytes: Buffer.from(record.hex, 'hex') } };
    case 'mqtt':
      if (typeof record.topic !== 'string') return { ok: false, reason: '"topic" is not a string' };
      if (typeof record.payload !== 'string') return { ok: false, reason: '"payload" is not a string' };
      if (record.retain !== undefined && typeof record.retain !== 'boolean') {
        return { ok: false, reason: '"retain" is not a boolean' };
      }
      return {
        ok: true,
        line: {
          kind: 'mqtt',
          t,
          topic: record.topic,
          payload: Buffer.from(record.payload, 'utf8'),
          retain: record.retain === true,
        },
      };
    case 'agent-restart':
    case 'end':
      return { ok: true, line: { kind: record.kind, t } };
    default:
      return { ok: false, reason: `unknown kind ${JSON.stringify(record.kind)}` };
  }
}
