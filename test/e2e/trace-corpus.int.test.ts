import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectFile } from '../../simulator/network/expect-file.ts';

/**
 * The trace corpus (`test/fixtures/traces/`, see its README): every trace replayed through the real CLI,
 * `doorbell-agent replay --config X.yaml X.jsonl`, and its output compared with `X.expect.json`, which was
 * written from what the visitor did and what reached the agent, not from the detector.
 */
/** Another checkout's CLI can be checked against the same corpus: DOORBELL_CORPUS_BIN=<…/bin/doorbell-agent.js>. */
const BIN =
  process.env.DOORBELL_CORPUS_BIN ?? join(import.meta.dirname, '..', '..', 'bin', 'doorbell-agent.js');
const DIR = join(import.meta.dirname, '..', 'fixtures', 'traces');
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith('.expect.json'))
  .map((f) => f.slice(0, -'.expect.json'.length))
  .sort();

interface Printed {
  type: string;
  t: number;
  device: string;
  press_id?: string;
  recovered?: boolean;
  via?: string;
  problem?: string;
  on?: boolean;
}

function replay(name: string): Promise<{ code: number | null; events: Printed[]; stderr: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'replay', '--config', join(DIR, `${name}.yaml`), join(DIR, `${name}.jsonl`)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) =>
    child.on('exit', (code) =>
      resolve({
        code,
        stderr,
        events: stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Printed),
      }),
    ),
  );
}

/** What is wrong with a replay's output against its expectations (empty = right). */
function compare(expected: ExpectFile, events: readonly Printed[]): string[] {
  const out: string[] = [];
  const rings = events.filter((e) => e.type === 'ring');
  // Each expected ring needs its own printed ring (bipartite matching: a printed ring may fit two windows).
  const fits = (want: ExpectFile['rings'][number], r: Printed) =>
    r.device === want.device &&
    r.t >= want.t_min &&
    r.t <= want.t_max &&
    (want.recovered === null || r.recovered === want.recovered);
  const owner = rings.map(() => -1);
  const assign = (w: number, seen: Set<number>): boolean =>
    rings.some((r, i) => {
      if (seen.has(i) || !fits(expected.rings[w] as ExpectFile['rings'][number], r)) return false;
      seen.add(i);
      if (owner[i] !== -1 && !assign(owner[i] as number, seen)) return false;
      owner[i] = w;
      return true;
    });
  expected.rings.forEach((want, w) => {
    if (!assign(w, new Set()))
      out.push(
        `missing ring in [${want.t_min}, ${want.t_max}]${want.recovered === null ? '' : ` recovered=${want.recovered}`}: ${want.press}`,
      );
  });
  const used = new Set(owner.flatMap((w, i) => (w === -1 ? [] : [i])));
  const extra = rings.filter((_r, i) => !used.has(i));
  if (extra.length > expected.max_extra_rings)
    out.push(
      `${extra.length} rings beyond the expected ones (at most ${expected.max_extra_rings}): ${extra.map((r) => `${r.t}${r.recovered ? ' recovered' : ''}`).join(', ')}`,
    );
  const ids = rings.map((r) => r.press_id);
  if (new Set(ids).size !== ids.length) out.push(`a press id printed twice: ${ids.join(', ')}`);
  for (const r of rings)
    if (r.recovered !== (r.via === 'counter'))
      out.push(`ring ${r.press_id}: recovered=${r.recovered}, via=${r.via}`);
  const raised = events.filter((e) => e.type === 'problem' && e.on);
  for (const p of expected.problems)
    if (!raised.some((e) => e.device === p.device && e.problem === p.problem))
      out.push(`${p.problem} not raised`);
  for (const f of expected.forbidden_problems)
    if (raised.some((e) => e.problem === f)) out.push(`${f} raised, which must not be`);
  return out;
}

describe('trace corpus: every trace through `doorbell-agent replay`', () => {
  const results = new Map<string, Awaited<ReturnType<typeof replay>>>();
  beforeAll(async () => {
    // Two replays at a time: each is its own Node process.
    const queue = [...NAMES];
    await Promise.all(
      [0, 1].map(async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift())
          results.set(name, await replay(name));
      }),
    );
  }, 300_000);

  it('has the corpus', () => {
    expect(NAMES.length).toBeGreaterThanOrEqual(30);
  });

  for (const name of NAMES) {
    it(name, () => {
      const result = results.get(name);
      const expected = JSON.parse(readFileSync(join(DIR, `${name}.expect.json`), 'utf8')) as ExpectFile;
      expect(result?.code, result?.stderr).toBe(0);
      expect(result?.stderr).toMatch(/\(0 skipped/);
      const problems = compare(expected, result?.events ?? []);
      expect(
        problems,
        `${expected.notes}\nprinted:\n${(result?.events ?? []).map((e) => JSON.stringify(e)).join('\n')}`,
      ).toEqual([]);
    });
  }
});
