import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const rules = createRequire(import.meta.url)(join(repo, '.dependency-cruiser.cjs'));

async function cruiseFrom(baseDir: string, paths: string[]): Promise<ICruiseResult> {
  const { output } = await cruise(paths, { ruleSet: rules, ...rules.options, validate: true, baseDir });
  return output as ICruiseResult;
}

describe('the layers of agent/ (.dependency-cruiser.cjs)', () => {
  it('no module imports a floor above its own, a sibling floor, or the simulator', async () => {
    const result = await cruiseFrom(repo, ['agent', 'simulator']);
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(violations).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(100);
  });

  it('catches an upward import (the rule is not vacuous)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorbell-layers-'));
    try {
      for (const layer of ['detect', 'runtime']) mkdirSync(join(dir, 'agent', layer), { recursive: true });
      writeFileSync(join(dir, 'agent', 'runtime', 'agent.ts'), 'export const agent = 1;\n');
      writeFileSync(
        join(dir, 'agent', 'detect', 'chime.ts'),
        "import { agent } from '../runtime/agent.ts';\nexport const chime = agent;\n",
      );
      const result = await cruiseFrom(dir, ['agent']);
      expect(result.summary.violations.map((v) => v.rule.name)).toEqual(['detect-imports-upward']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('module size', () => {
  it('no source file under agent/ or simulator/ is over 300 lines (split by concern instead)', () => {
    const files = execFileSync('git', ['ls-files', 'agent', 'simulator'], { cwd: repo, encoding: 'utf8' })
      .split('\n')
      .filter((file) => /\.(ts|js|mjs)$/.test(file) && existsSync(join(repo, file)));
    const long = files
      .map((file) => ({ file, lines: readFileSync(join(repo, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > 300);
    expect(long).toEqual([]);
    expect(files.length).toBeGreaterThan(100);
  });
});
