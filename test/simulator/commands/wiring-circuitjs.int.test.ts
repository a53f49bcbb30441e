import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { circuitFromUrl } from '../../../simulator/circuitjs/url.ts';
import { runCli, STACK_LINE } from '../../helpers/cli.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');
const SLOW = { timeoutMs: 170_000 };

/** `wiring check … --json` as a process: its exit code and every check's verdict. */
async function verdictsOf(args: string[]) {
  const result = await runCli(['wiring', 'check', ...args, '--json'], { cwd: REPO, ...SLOW });
  expect(result.stderr).not.toMatch(STACK_LINE);
  const report = JSON.parse(result.stdout);
  return {
    code: result.code,
    checks: report.checks.map((c: { id: string; verdict: string }) => `${c.id} ${c.verdict}`),
  };
}

describe('wiring export --circuitjs and wiring check --circuitjs (the CLI as a process)', () => {
  it('exports a drawing and its URL; checking the drawing gives the YAML’s verdicts (real ngspice)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'circuitjs-cli-'));
    const drawing = join(dir, 'ac-on-input.txt');
    const yaml = 'circuits/examples/mistake-ac-on-gen1-input.yaml';
    const exported = await runCli(['wiring', 'export', '--circuitjs', yaml, '--output', drawing], {
      cwd: REPO,
    });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`CircuitJS drawing written to ${drawing}`);
    const url = exported.stdout.match(/open it in CircuitJS: (\S+)/)?.[1];
    expect(url).toMatch(/^https:\/\/www\.falstad\.com\/circuit\/circuitjs\.html\?cct=/);
    expect(circuitFromUrl(url!)).toBe(readFileSync(drawing, 'utf8'));
    const fromDrawing = await verdictsOf(['--circuitjs', drawing]);
    expect(fromDrawing).toEqual(await verdictsOf([yaml]));
    expect(fromDrawing.code).toBe(2);
    expect(fromDrawing.checks).toContain('ac_on_input fail');
  }, 180_000);

  it('writes the drawing on stdout and the URL on stderr without --output', async () => {
    const result = await runCli(
      ['wiring', 'export', '--circuitjs', 'circuits/examples/seed-final-12vac.yaml'],
      {
        cwd: REPO,
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\$ 1 /);
    expect(result.stdout).toContain('role:\\sdoorbell\\nmodel\\qdb1');
    expect(result.stderr).toMatch(/^wiring export: open it in CircuitJS: https:\/\/\S+\?cct=\S+\n$/);
  });

  it('checks the hand-written example drawing: WARN, exit 1, as for the seed’s YAML', async () => {
    const result = await runCli(
      ['wiring', 'check', '--circuitjs', 'examples/circuitjs/seed-transformer.txt'],
      {
        cwd: REPO,
        ...SLOW,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^wiring check: examples\/circuitjs\/seed-transformer\.txt\n/);
    expect(result.stdout).toContain('installation: 24.012 VAC 50 Hz, doorbell 2.85 W, 1 Ω cable');
    expect(result.stdout).toMatch(/result: WARN \(exit 1\)/);
  }, 180_000);

  it('names the element it cannot map on one line and exits 3 (could not decide)', async () => {
    const result = await runCli(
      ['wiring', 'check', '--circuitjs', 'examples/circuitjs/unsupported-led.txt'],
      {
        cwd: REPO,
      },
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^doorbell-agent: examples\/circuitjs\/unsupported-led\.txt:\d+: `162` \(LED\) at \(800,256\)-\(800,288\): not supported by the import, .* leave it out\n$/,
    );
  });

  it('exits 3 for a missing drawing, a drawing without --circuitjs, and an export that does not say its format', async () => {
    const missing = await runCli(['wiring', 'check', '--circuitjs', 'nope.txt'], { cwd: REPO });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.txt: no such CircuitJS drawing/);
    const notYaml = await runCli(['wiring', 'check', 'examples/circuitjs/seed-transformer.txt'], {
      cwd: REPO,
    });
    expect(notYaml.code).toBe(3);
    expect(notYaml.stderr).toMatch(
      /seed-transformer\.txt: this is a CircuitJS drawing, not an installation file: add --circuitjs/,
    );
    const noFormat = await runCli(['wiring', 'export', 'circuits/examples/seed-final-12vac.yaml'], {
      cwd: REPO,
    });
    expect(noFormat.code).toBe(3);
    expect(noFormat.stderr).toMatch(/say which drawing to write: --circuitjs/);
    const help = await runCli(['wiring', 'export', '--help'], { cwd: REPO });
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}the drawing is written\n {2}3 {2}could not/);
  });
});
