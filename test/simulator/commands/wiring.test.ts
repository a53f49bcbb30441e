import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    // No binary floating-point noise in what people read (a press of 0.2999999999999998 s).
    expect(out).not.toMatch(/\d\.\d*(0{6}|9{6})\d/);
  });

  it('prints JSON for tools with every check, its verdict, margin and reason', async () => {
    const { code, out } = await wiringCheck('circuits/examples/seed-final-24vac.yaml', '--json');
    const report = JSON.parse(out);
    expect(report.exit_code).toBe(code);
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual([
      'doorbell_supply_in_range',
      'uni_supply_in_range',
      'coil_type_matches_supply',
      'coil_not_overdriven',
      'idle_relay_open',
      'press_relay_closes',
      'input_high_on_press',
      'input_low_at_idle',
      'pulse_matches_chime',
      'ac_on_input',
    ]);
    for (const c of report.checks) {
      expect(['pass', 'warn', 'fail']).toContain(c.verdict);
      expect(c.reason.length).toBeGreaterThan(10);
    }
    expect(report.nominal.reports.some((r: { event: string }) => r.event === 'L')).toBe(true);
    expect(report.sweep).toHaveLength(9);
  });

  it('writes an SVG of the run that decided the verdict, with its thresholds, a legend and round time ticks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiring-'));
    const svg = join(dir, 'press.svg');
    const { out } = await wiringCheck('circuits/examples/seed-final-12vac.yaml', '--plot', svg);
    // The report: each verdict with the assumed values it rests on, and the cell's use a year. 1.58 V into 1.5 kohm
    // is 1.05 mA; 5 presses a day of 2 s is 5 * 2 * 365 / 3600 = 1.01 h a year: 1.07 mAh (the seed's ~1 mAh).
    expect(out).toMatch(
      /WARN press_relay_closes rests on: typical pull-in \(assumed\); assumed .*typical_operate_frac/s,
    );
    expect(out).toMatch(/battery: 1\.05 mA .*: 1\.1 mAh a year at 5 presses a day of 2 s/);
    expect(out).toMatch(
      /power kit as resistor_kit instead .* would give FAIL; it disagrees on:\n\s+FAIL {2}doorbell_supply_in_range: the doorbell browns out/,
    );
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg /);
    expect(text.match(/<polyline /g)).toHaveLength(5);
    for (const label of ['supply', 'coil drive', 'contact', 'IN_1', 'logical input'])
      expect(text).toContain(label);
    // Pull-in and drop-out (guaranteed and typical) on the drive, the documented and field levels on IN_1.
    for (const level of [
      'pull-in, guaranteed 70 %',
      'pull-in, typical 40 %',
      'drop-out, typical 25 %',
      'drop-out, guaranteed 15 %',
    ])
      expect(text).toContain(level);
    expect(text).toContain('documented HIGH 2.20 V');
    expect(text).toContain('field HIGH (assumed) 1.20 V');
    expect(text).toContain('typical / field level (assumed)');
    expect(text).toMatch(/result: WARN — decided by \w+/);
    // The worst case is at the low end of the sweep, not the nominal 12 VAC; its steady drive is marked.
    expect(text).toContain('run shown: 10.8 VAC 50 Hz');
    expect(text).toMatch(/steady 4[45] %/);
    expect(text).toContain('>0.5 s<');
  });

  it('writes the exact netlists it ran with --netlist, each runnable on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wiring-'));
    const { out } = await wiringCheck('circuits/examples/seed-final-12vac.yaml', '--netlist', dir);
    const files = readdirSync(dir).sort();
    // 3 supply points x 2 kit hypotheses of the doorbell loop; 9 cell runs with db1_kit, 3 with the other.
    expect(files.filter((f) => f.startsWith('doorbell-loop_'))).toHaveLength(6);
    expect(files.filter((f) => f.startsWith('sense-loop_'))).toHaveLength(12);
    expect(out).toMatch(/18 ngspice runs/);
    const bell = readFileSync(join(dir, 'doorbell-loop_12vac-50hz_db1_kit.cir'), 'utf8');
    expect(bell).toMatch(/^\.tran /m);
    expect(bell).toMatch(/SIN\(0 16\.97\d* 50\)/);
    // Debian's ngspice (installed in CI) runs it as written.
    if (spawnSync('ngspice', ['-v'], { stdio: 'ignore' }).status === 0 || process.env.CI) {
      const run = spawnSync(
        'ngspice',
        ['-b', '-r', join(dir, 'out.raw'), join(dir, 'doorbell-loop_12vac-50hz_db1_kit.cir')],
        {
          encoding: 'utf8',
        },
      );
      expect(run.status).toBe(0);
      expect(readFileSync(join(dir, 'out.raw'), 'latin1')).toContain('i(lcoil)');
    }
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
    expect(err).toMatch(/relay: give part \(one of rs-0376830, te-t9as1d12\), coil_vac or coil_vdc/);
    expect(err).toMatch(/loop\.battery: a battery loop needs/);
  });
});
