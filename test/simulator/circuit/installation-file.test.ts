import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../agent/core/errors.ts';
import { resolveInstallation } from '../../../simulator/circuit/installation.ts';
import { parseInstallationText } from '../../../simulator/circuit/installation-file.ts';
import { loadParts } from '../../../simulator/circuit/parts.ts';

const GOOD = `supply: { vac: 12, hz: 50 }
doorbell: { model: db1 }
chime: { mode: electronic, duration_s: 2 }
power_kit: true
relay: { part: rs-0376830 }
loop:
  source: battery
  battery: { chemistry: alkaline, cells: 1, state: fresh }
uni: { model: gen1 }
`;

async function problemsOf(text: string): Promise<string[]> {
  try {
    parseInstallationText(text, 'home.yaml', await loadParts());
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('installation file', () => {
  it('accepts the seed installation and defaults hz to unknown', async () => {
    expect(await problemsOf(GOOD)).toEqual([]);
    const file = parseInstallationText(GOOD.replace('hz: 50', 'hz: unknown'), 'home.yaml', await loadParts());
    expect(file.supply.hz).toBe('unknown');
  });

  it('names file, line, key and the allowed values', async () => {
    const problems = await problemsOf(GOOD.replace('chemistry: alkaline', 'chemistry: zinc'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^home\.yaml:8: loop\.battery\.chemistry: /);
    expect(problems[0]).toMatch(/alkaline.*lithium_fes2.*nimh/);
  });

  it('reports every problem, including unknown keys and a missing one', async () => {
    const text = GOOD.replace('uni: { model: gen1 }', 'uni: { model: gen3 }').replace(
      'power_kit: true',
      'powerkit: true',
    );
    const problems = await problemsOf(text);
    expect(problems.some((p) => /home\.yaml:9: uni\.model: .*gen1.*plus/.test(p))).toBe(true);
    expect(problems.some((p) => /power_kit/.test(p))).toBe(true);
    expect(problems.some((p) => /powerkit/.test(p))).toBe(true);
  });

  it('says what to write: the allowed supply frequencies, a missing section as required, an empty file as empty', async () => {
    expect(await problemsOf(GOOD.replace('hz: 50', 'hz: 55'))).toEqual([
      'home.yaml:1: supply.hz: must be one of 50, 60, unknown',
    ]);
    const noLoop = GOOD.replace(/loop:\n.*\n.*\n/, '');
    expect(await problemsOf(noLoop)).toEqual(['home.yaml:1: loop: required (object)']);
    expect(await problemsOf('')).toEqual([
      'home.yaml:1: (top level): the file is empty: an installation describes supply, doorbell, chime, relay, loop and uni (see circuits/examples/)',
    ]);
    const bomb = [
      'a0: &a0 [x, x]',
      ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`)}]`),
    ];
    expect((await problemsOf(`${GOOD}${bomb.join('\n')}\n`))[0]).toMatch(
      /^home\.yaml: YAML: Excessive alias count/,
    );
  });

  it('asks an electronic chime for its duration', async () => {
    const problems = await problemsOf(
      GOOD.replace('chime: { mode: electronic, duration_s: 2 }', 'chime: { mode: electronic }'),
    );
    expect(problems[0]).toMatch(/home\.yaml:3: chime\.duration_s: electronic chime needs duration_s/);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOf(GOOD.replace('power_kit: true', 'power_kit: [true'));
    expect(problems[0]).toMatch(/^home\.yaml:\d+: YAML syntax/);
  });

  it('refuses a measured battery voltage the cells cannot give, and reads one a little above fresh as fresh', async () => {
    const parts = await loadParts();
    const withVolts = (v: number, cells = 1) =>
      parseInstallationText(
        GOOD.replace('cells: 1, state: fresh', `cells: ${cells}, volts: ${v}`),
        'home.yaml',
        parts,
      );
    const resolve = (v: number, cells = 1) => resolveInstallation(withVolts(v, cells), parts, 'home.yaml');
    expect(() => resolve(99)).toThrow(ConfigError);
    expect(() => resolve(3.1)).toThrow(
      /loop\.battery\.volts: 3\.1 V is more than one fresh alkaline cell gives/,
    );
    // Two cells give twice: 3.2 V is a fresh pair.
    expect(resolve(3.2, 2).loop).toMatchObject({ source: 'battery', startState: 0 });
    expect(resolve(1.62).loop).toMatchObject({ startState: 0 });
    const worn = resolve(1.3).loop;
    expect(worn.source === 'battery' && worn.startState).toBeGreaterThan(0);
  });
});
