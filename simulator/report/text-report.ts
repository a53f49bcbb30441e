import { describeBattery } from '../circuit/battery.ts';
import { describePoint } from '../circuit/verdicts.ts';
import { assumedFor } from './assumptions.ts';
import type { WiringCheckResult } from './wiring-result.ts';

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/** The report for people: one line per check, the verdict, and what it rests on. */
export function formatTextReport(result: WiringCheckResult): string {
  const { inst } = result;
  const lines = [
    `wiring check: ${result.file}`,
    `installation: ${describeInstallation(result)}`,
    `swept: ${describeSweep(result)} (${result.points.length} points, ${result.spiceRuns} ngspice runs, ${result.elapsedS.toFixed(1)} s)`,
    '',
  ];
  const idWidth = Math.max(...result.checks.map((c) => c.id.length));
  for (const c of result.checks) {
    const field = c.fieldMargin === undefined ? '' : ` [vs field threshold: ${signed(c.fieldMargin, 2)} V]`;
    const margin = c.margin === null ? '' : `${signed(c.margin, c.unit === 's' ? 3 : 2)} ${c.unit}`;
    lines.push(`  ${LABEL[c.verdict]}  ${c.id.padEnd(idWidth)}  ${margin.padStart(9)}  ${c.reason}${field}`);
  }
  lines.push('', `result: ${LABEL[result.verdict]} (exit ${result.exitCode})`);
  if (result.deciding)
    lines.push(
      `  decided by ${result.deciding.check.id} at ${describePoint(result.deciding.scenario.point, inst)} (the plot shows this run)`,
    );
  for (const c of result.checks) {
    const assumed = grouped(assumedFor(c.id, result.assumed));
    const silent = c.basis === 'model' && (assumed.length === 0 || c.margin === null);
    if (c.verdict === 'pass' && (silent || assumed.length === 0)) continue;
    const on = [c.basis === 'model' ? '' : c.basis, assumed.length > 0 ? `assumed ${assumed.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    lines.push(
      ...wrap(`${LABEL[c.verdict]} ${c.id} rests on: ${on}`, 110).map((l, i) => `  ${i > 0 ? '  ' : ''}${l}`),
    );
  }
  if (result.battery) {
    const b = result.battery;
    lines.push(
      `  battery: ${b.loopMa.toFixed(2)} mA while a press holds the contact closed: ${b.mahPerYear.toFixed(1)} mAh a year at ${b.pressesPerDay} presses a day of ${b.holdS} s (presses a day assumed; the seed estimated ~1 mAh)`,
    );
  }
  for (const k of result.kitComparison) {
    if (k.disagreements.length === 0) {
      lines.push(`  power kit as ${k.kit} instead (another hypothesis): the same verdicts`);
      continue;
    }
    lines.push(
      `  power kit as ${k.kit} instead (another hypothesis) would give ${LABEL[k.verdict]}; it disagrees on:`,
    );
    for (const d of k.disagreements) lines.push(`    ${LABEL[d.verdict]}  ${d.id}: ${d.reason}`);
  }
  lines.push(
    `assumed parameters (circuits/parts.yaml, assumed: true): ${result.assumed.length}`,
    ...wrap(result.assumed.join(', '), 110).map((l) => `  ${l}`),
  );
  if (result.nominalReports.length > 0) {
    const gen2 =
      inst.uni.model === 'plus'
        ? ' [Gen1 event model; a Plus Uni sends btn_down/btn_up/single_push/long_push]'
        : '';
    lines.push(
      '',
      `Uni reports at ${describePoint(result.nominal, inst)} (t s, input, event, event_cnt)${gen2}:`,
    );
    for (const r of result.nominalReports) {
      lines.push(
        `  ${r.t.toFixed(3).padStart(7)}  ${r.level}  ${(r.event || '""').padEnd(2)}  ${r.eventCount}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `power_kits.db1_kit.* (6)` for a part whose values are all listed, to keep the lines short. */
function grouped(names: readonly string[]): string[] {
  const byPart = new Map<string, string[]>();
  for (const n of names) {
    const part = n.split('.').slice(0, -1).join('.');
    byPart.set(part, [...(byPart.get(part) ?? []), n]);
  }
  return [...byPart.entries()].flatMap(([part, ns]) => (ns.length > 3 ? [`${part}.* (${ns.length})`] : ns));
}

const signed = (v: number, digits: number) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

function describeSweep({ points, inst }: WiringCheckResult): string {
  const unique = <T>(xs: T[]) => [...new Set(xs)];
  const parts = [
    `${unique(points.map((p) => p.vac)).join(' / ')} VAC`,
    `${unique(points.map((p) => p.hz)).join(' / ')} Hz`,
  ];
  const loop = inst.loop;
  if (loop.source === 'battery') {
    const cells = unique(points.map((p) => p.batteryState ?? 0)).map((s) =>
      describeBattery(loop.battery, s).volts.toFixed(2),
    );
    parts.push(`battery ${cells.join(' → ')} V`);
  }
  return parts.join(' × ');
}

function describeInstallation({ inst }: WiringCheckResult): string {
  const loop =
    inst.loop.source === 'ac'
      ? 'AC through the contact into IN_1'
      : `${inst.loop.battery.cells} × ${inst.loop.battery.chemistry} cell through the contact into IN_1`;
  return [
    `${inst.supply.vac} VAC ${inst.supply.hz.join('/')} Hz`,
    `doorbell ${inst.doorbell.standbyW} W`,
    ...(inst.cableOhm > 0 ? [`${inst.cableOhm} Ω cable`] : []),
    `${inst.chime.mode} chime ${inst.chime.durationS} s`,
    inst.powerKit ? `power kit (${inst.powerKit.name})` : 'no power kit',
    `${inst.relay.coilV} ${inst.relay.coilKind === 'dc' ? 'VDC' : 'VAC'} relay`,
    loop,
    `Uni ${inst.uni.model}`,
  ].join(', ');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > width && line) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
