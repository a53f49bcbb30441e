import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../agent/cli.ts';
import type { CommandContext } from '../../../agent/commands/context.ts';

function context(): CommandContext & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += String(d);
  });
  stderr.on('data', (d) => {
    err += String(d);
  });
  return { stdout, stderr, exitCode: 0, version: 'test', out: () => out, err: () => err };
}

async function wiringCheck(...args: string[]) {
  const ctx = context();
  const code = await main(['wiring', 'check', ...args], ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

describe('doorbell-agent wiring check', () => {
  it.each([
    ['seed-final-12vac', 1],
    ['seed-final-24vac', 1],
    ['mistake-no-power-kit', 2],
    ['mistake-ac-on-gen1-input', 2],
    ['mistake-dead-cell', 2],
  ])('%s exits %i', async (name, expected) => {
    const { code, out } = await wiringCheck(`circuits/examples/${name}.yaml`);
    expect(code).toBe(expected);
    expect(out).toMatch(/idle_relay_open/);
    expect(out).toMatch(new RegExp(`result: ${['PASS', 'WARN', 'FAIL'][expected]}`));
  });

  it('prints JSON for tools with every check, its verdict, margin and reason', async () => {
    const { code, out } = await wiringCheck('circuits/examples/seed-final-24vac.yaml', '--json');
    const report = JSON.parse(out);
    expect(report.exit_code).toBe(code);
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual([
      'idle_relay_open',
      'press_relay_closes',
      'input_high_on_press',
      'input_low_at_idle',
      'pulse_matches_chime',
      'uni_supply_in_range',
      'ac_on_input',
    ]);
    for (const c of report.checks) {
      expect(['pass', 'warn', 'fail']).toContain(c.verdict);
      expect(c.reason.length).toBeGreaterThan(10);
    }
    expect(report.nominal.reports.some((r: { event: string }) => r.event === 'L')).toBe(true);
    expect(report.sweep).toHaveLength(9);
  });

  it('writes an SVG with the five traces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiring-'));
    const svg = join(dir, 'press.svg');
    await wiringCheck('circuits/examples/seed-final-12vac.yaml', '--plot', svg);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg /);
    expect(text.match(/<polyline /g)).toHaveLength(5);
    for (const label of ['supply', 'coil current', 'contact', 'IN_1', 'logical input'])
      expect(text).toContain(label);
  });

  it('takes assumed values from --parts: a higher field threshold makes the seed cell fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiring-'));
    const parts = join(dir, 'parts.yaml');
    const original = readFileSync('circuits/parts.yaml', 'utf8');
    writeFileSync(parts, original.replace(/(field_high_v:\s*\{\s*value:) 1\.2,/, '$1 1.7,'));
    const { code, out } = await wiringCheck('circuits/examples/seed-final-12vac.yaml', '--parts', parts);
    expect(code).toBe(2);
    expect(out).toMatch(/FAIL {2}input_high_on_press/);
  });

  it('names file, line, key and allowed values for a bad wiring file (exit 3: could not decide)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiring-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'supply: { vac: 12, hz: 55 }\ndoorbell: { model: db1 }\nchime: { mode: loud }\npower_kit: true\nrelay: {}\nloop: { source: battery }\nuni: { model: gen1 }\n',
    );
    const { code, err } = await wiringCheck(file);
    expect(code).toBe(3);
    expect(err).toContain(`${file}:1: supply.hz`);
    expect(err).toMatch(/chime\.mode: .*electronic.*mechanical/);
    expect(err).toMatch(/relay: give part \(one of rs-0376830\) or coil_vac/);
    expect(err).toMatch(/loop\.battery: a battery loop needs/);
  });
});
