import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../agent/config/load.ts';
import type { AgentEvent, RingEvent } from '../../../agent/core/events.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { replayTrace } from '../../../agent/runtime/replay.ts';
import { EXAMPLE_TRACES_DIR } from '../../helpers/paths.ts';

interface Expectation {
  rings: Array<{ device: string; input: number; t_min: number; t_max: number; recovered: boolean | null }>;
  rings_exact: boolean;
  forbidden_problems: string[];
}

const examples = EXAMPLE_TRACES_DIR;

async function replayExample(name: string): Promise<{ events: AgentEvent[]; warnings: string[] }> {
  const events: AgentEvent[] = [];
  const warnings: string[] = [];
  await replayTrace({
    config: loadConfig(join(examples, `${name}.yaml`), {}),
    lines: readFileSync(join(examples, `${name}.jsonl`), 'utf8').split('\n'),
    emit: (e) => events.push(e),
    warn: (w) => warnings.push(w),
    log: silentLogger,
  });
  return { events, warnings };
}

describe('replay of the contract examples', () => {
  for (const name of ['example-mechanical-coiot', 'example-electronic-dual-path']) {
    it(`${name}: prints exactly the expected rings, each inside its window`, async () => {
      const expected = JSON.parse(readFileSync(join(examples, `${name}.expect.json`), 'utf8')) as Expectation;
      const { events, warnings } = await replayExample(name);
      expect(warnings).toEqual([]);
      const rings = events.filter((e): e is RingEvent => e.type === 'ring');
      if (expected.rings_exact) expect(rings).toHaveLength(expected.rings.length);
      expected.rings.forEach((want, i) => {
        const ring = rings[i] as RingEvent;
        expect(ring).toMatchObject({ device: want.device, input: want.input });
        expect(ring.t).toBeGreaterThanOrEqual(want.t_min);
        expect(ring.t).toBeLessThanOrEqual(want.t_max);
        if (want.recovered !== null) expect(ring.recovered).toBe(want.recovered);
      });
      const problems = events
        .filter((e) => e.type === 'problem')
        .map((e) => (e.type === 'problem' ? e.problem : ''));
      for (const forbidden of expected.forbidden_problems) expect(problems).not.toContain(forbidden);
    });
  }
});

describe('replay robustness', () => {
  it('reports bad lines with their number, skips them, and keeps going', async () => {
    const config = loadConfig(join(examples, 'example-mechanical-coiot.yaml'), {});
    const lines = readFileSync(join(examples, 'example-mechanical-coiot.jsonl'), 'utf8').split('\n');
    lines.splice(
      1,
      0,
      '{not json',
      '{"t":1,"kind":"telepathy"}',
      '{"t":2,"kind":"coiot","src":"x","hex":"zz"}',
    );
    const events: AgentEvent[] = [];
    const warnings: string[] = [];
    await replayTrace({
      config,
      lines,
      emit: (e) => events.push(e),
      warn: (w) => warnings.push(w),
      log: silentLogger,
    });
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^line 2: not valid JSON/);
    expect(warnings[1]).toMatch(/^line 3: unknown kind "telepathy"/);
    expect(events.filter((e) => e.type === 'ring')).toHaveLength(3);
  });

  it('after agent-restart neither repeats a press nor forgets one that happened meanwhile', async () => {
    const config = loadConfig(join(examples, 'example-mechanical-coiot.yaml'), {});
    const lines = readFileSync(join(examples, 'example-mechanical-coiot.jsonl'), 'utf8').split('\n');
    // Restart right after the first press's rising edge (t=20.292), before its release report.
    const riseIndex = lines.findIndex((l) => l.includes('"t":20.292'));
    lines.splice(riseIndex + 1, 0, '{"t":20.4,"kind":"agent-restart"}');
    // Lose every packet of the second press (55.132 and 56.037): only the counter in later reports tells.
    const kept = lines.filter((l) => !l.includes('"t":55.132') && !l.includes('"t":56.037'));
    const events: AgentEvent[] = [];
    await replayTrace({
      config,
      lines: kept,
      emit: (e) => events.push(e),
      warn: () => {},
      log: silentLogger,
    });
    const rings = events.filter((e): e is RingEvent => e.type === 'ring');
    expect(rings.map((r) => [r.recovered, r.via])).toEqual([
      [false, 'coiot'],
      [true, 'counter'],
      [false, 'coiot'],
    ]);
    expect(rings[1]?.t).toBeGreaterThan(61);
    expect(rings[1]?.t).toBeLessThan(62);
  });
});
