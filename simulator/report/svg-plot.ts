import type { ScenarioResult } from '../circuit/scenario.ts';
import { getVector } from '../spice/waveform.ts';
import type { WiringCheckResult } from './wiring-result.ts';

const WIDTH = 960;
const PANEL_H = 90;
const GAP = 30;
const LEFT = 70;
const RIGHT = 20;
const TOP = 92;

/** A horizontal level drawn across a panel: a threshold the verdicts compare against. */
interface Level {
  readonly value: number;
  readonly label: string;
  /** Guaranteed or documented (solid) or typical / field / assumed (dashed). */
  readonly sourced: boolean;
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  /** Columns of [min, max] over each pixel, or a step trace. */
  readonly columns: readonly (readonly [number, number])[];
  readonly levels?: readonly Level[];
  /** A point to mark (the worst case the verdict rests on): time, value, label. */
  readonly mark?: readonly [number, number, string];
}

/**
 * A hand-written SVG of one run: supply, coil drive with pull-in and drop-out, contact, IN_1 with its thresholds,
 * the logical input. With `result`, the levels, a legend and the verdict (the run is then the one that decided it).
 */
export function renderPressPlot(s: ScenarioResult, title: string, result?: WiringCheckResult): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const stop = s.plan.stopS;
  const step = (intervals: readonly (readonly [number, number])[]) =>
    columnsOf(Float64Array.from([0, stop]), Float64Array.from([0, 0]), plotW, stop, (t) =>
      intervals.some(([a, b]) => t >= a && t <= b) ? 1 : 0,
    );
  const logicalHighs: [number, number][] = [];
  let rise: number | undefined;
  for (const c of s.traces.logical) {
    if (c.level === 1) rise = c.t;
    else if (rise !== undefined) {
      logicalHighs.push([rise, c.t]);
      rise = undefined;
    }
  }
  if (rise !== undefined) logicalHighs.push([rise, stop]);
  const inst = result?.inst;
  const drive = s.traces.drive;
  const driveTime = Float64Array.from(drive.values, (_, k) => drive.t0 + k * drive.dt);
  const worstPress = s.pressDrives.indexOf(s.pressDrive);
  const [ps, pe] = s.plan.presses[Math.max(0, worstPress)] ?? [0, 0];
  const panels: Panel[] = [
    {
      title: 'supply at the Uni, v(sec)',
      unit: 'V',
      columns: columnsOf(s.traces.doorbell.time, getVector(s.traces.doorbell, 'v(sec)'), plotW, stop),
    },
    {
      title: 'relay coil drive (half-cycle RMS current / rated)',
      unit: '%',
      columns: columnsOf(
        driveTime,
        drive.values.map((v) => v * 100),
        plotW,
        stop,
      ),
      levels: inst && [
        { value: inst.relay.mustOperateFrac * 100, label: 'pull-in, guaranteed', sourced: true },
        { value: inst.relay.typicalOperateFrac * 100, label: 'pull-in, typical', sourced: false },
        { value: inst.relay.typicalReleaseFrac * 100, label: 'drop-out, typical', sourced: false },
        { value: inst.relay.mustReleaseFrac * 100, label: 'drop-out, guaranteed', sourced: true },
      ],
      mark: [(ps + pe) / 2, s.pressDrive * 100, `steady ${Math.round(s.pressDrive * 100)} %`],
    },
    { title: 'relay contact (1 = closed)', unit: '', columns: step(s.contact) },
    {
      title: 'IN_1 voltage',
      unit: 'V',
      columns: columnsOf(s.traces.sense.time, getVector(s.traces.sense, 'v(in1)'), plotW, stop),
      levels: inst && [
        {
          value: inst.uni.documentedDcHighV,
          label: 'documented HIGH',
          sourced: true,
        },
        {
          value: inst.uni.fieldHighV,
          label: 'field HIGH (assumed)',
          sourced: false,
        },
      ],
    },
    { title: 'logical input (field threshold, poll phase 0)', unit: '', columns: step(logicalHighs) },
  ];
  const height = TOP + panels.length * (PANEL_H + GAP) + 24;
  const x = (t: number) => LEFT + (t / stop) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="18" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    ...header(result, s),
  ];
  for (const [a, b] of s.plan.presses) {
    parts.push(
      `<rect x="${x(a).toFixed(1)}" y="${TOP}" width="${(x(b) - x(a)).toFixed(1)}" height="${height - TOP - 24}" fill="#fff3c4"/>`,
    );
  }
  const axisY = height - 8;
  const tick = roundTick(stop);
  for (let k = 0; k * tick <= stop + 1e-9; k++) {
    const t = k * tick;
    parts.push(
      `<line x1="${x(t).toFixed(1)}" y1="${TOP}" x2="${x(t).toFixed(1)}" y2="${axisY - 12}" stroke="#e4e4e4"/>`,
      `<text x="${x(t).toFixed(1)}" y="${axisY}" text-anchor="middle">${fmtTime(t, tick)}</text>`,
    );
  }
  panels.forEach((panel, i) => {
    parts.push(drawPanel(panel, TOP + i * (PANEL_H + GAP), plotW, x));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The verdict, the run shown, and the legend. */
function header(result: WiringCheckResult | undefined, s: ScenarioResult): string[] {
  const lines: string[] = [];
  if (result) {
    const d = result.deciding;
    const verdict = `result: ${result.verdict.toUpperCase()}${d ? ` — decided by ${d.check.id} (${d.check.verdict.toUpperCase()}): ${d.check.reason}` : ''}`;
    lines.push(
      `<text x="${LEFT}" y="36" fill="${result.verdict === 'pass' ? '#1b7a1b' : result.verdict === 'warn' ? '#a86400' : '#b00020'}">${escapeXml(clip(verdict, 150))}</text>`,
    );
  }
  const kit = s.kit ? `power kit ${s.kit.name}` : 'no power kit';
  lines.push(
    `<text x="${LEFT}" y="54">${escapeXml(`run shown: ${s.point.vac} VAC ${s.point.hz} Hz, ${kit}${result?.deciding?.scenario === s ? ' (the worst case of the deciding check)' : ''}`)}</text>`,
    `<g transform="translate(${LEFT},70)"><line x1="0" y1="-4" x2="24" y2="-4" stroke="#1f5fbf"/><text x="28" y="0">simulated</text>` +
      `<line x1="100" y1="-4" x2="124" y2="-4" stroke="#b00020"/><text x="128" y="0">guaranteed / documented level</text>` +
      `<line x1="310" y1="-4" x2="334" y2="-4" stroke="#b00020" stroke-dasharray="4 3"/><text x="338" y="0">typical / field level (assumed)</text>` +
      `<rect x="530" y="-10" width="24" height="10" fill="#fff3c4"/><text x="558" y="0">press (doorbell shorts the line)</text>` +
      `<circle cx="766" cy="-4" r="3" fill="#b00020"/><text x="774" y="0">worst case</text></g>`,
  );
  return lines;
}

function drawPanel(panel: Panel, y0: number, plotW: number, x: (t: number) => number): string {
  // Step traces (contact, logical input) always span 0..1 so a flat 0 still reads as "open" / "low".
  const isStep = panel.unit === '';
  const values = panel.columns.flatMap((c) => [c[0], c[1]]).concat((panel.levels ?? []).map((l) => l.value));
  let lo = isStep ? 0 : Math.min(0, ...values);
  let hi = isStep ? 1 : Math.max(...values);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const y = (v: number) => y0 + PANEL_H - ((v - lo) / (hi - lo)) * PANEL_H;
  const points = panel.columns
    .flatMap(([mn, mx], i) => [`${LEFT + i},${y(mn).toFixed(1)}`, `${LEFT + i},${y(mx).toFixed(1)}`])
    .join(' ');
  const label = panel.unit ? `${panel.title} [${panel.unit}]` : panel.title;
  const out = [
    `<rect x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL_H}" fill="none" stroke="#999"/>`,
    `<text x="${LEFT + 4}" y="${y0 - 4}">${escapeXml(label)}</text>`,
    `<text x="${LEFT - 4}" y="${y(hi - pad) + 4}" text-anchor="end">${fmt(hi - pad)}</text>`,
    `<text x="${LEFT - 4}" y="${y(lo + pad) + 4}" text-anchor="end">${fmt(lo + pad)}</text>`,
    `<polyline fill="none" stroke="#1f5fbf" stroke-width="1" points="${points}"/>`,
  ];
  for (const level of panel.levels ?? []) {
    const ly = y(level.value).toFixed(1);
    out.push(
      `<line x1="${LEFT}" y1="${ly}" x2="${LEFT + plotW}" y2="${ly}" stroke="#b00020" stroke-width="0.8"${level.sourced ? '' : ' stroke-dasharray="4 3"'}/>`,
      `<text x="${LEFT + plotW - 4}" y="${Number(ly) - 2}" text-anchor="end" fill="#b00020" font-size="9">${escapeXml(`${level.label} ${fmt(level.value)} ${panel.unit}`)}</text>`,
    );
  }
  if (panel.mark) {
    const [t, v, text] = panel.mark;
    out.push(
      `<circle cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="#b00020"/>`,
      `<text x="${(x(t) + 6).toFixed(1)}" y="${(y(v) + 12).toFixed(1)}" fill="#b00020">${escapeXml(text)}</text>`,
    );
  }
  return out.join('\n');
}

/** Min and max of the signal over each pixel column (keeps the envelope of a 50 Hz wave on a 1000 px plot). */
function columnsOf(
  time: Float64Array,
  values: Float64Array,
  plotW: number,
  stop: number,
  at?: (t: number) => number,
): [number, number][] {
  const columns: [number, number][] = Array.from({ length: plotW }, () => [Infinity, -Infinity]);
  if (at) {
    for (let i = 0; i < plotW; i++) {
      const v = at((i / plotW) * stop);
      columns[i] = [v, v];
    }
    return columns;
  }
  for (let k = 0; k < time.length; k++) {
    const i = Math.min(plotW - 1, Math.floor((time[k]! / stop) * plotW));
    const c = columns[i]!;
    c[0] = Math.min(c[0], values[k]!);
    c[1] = Math.max(c[1], values[k]!);
  }
  let last: [number, number] = [0, 0];
  return columns.map((c) => {
    if (Number.isFinite(c[0])) last = c;
    return Number.isFinite(c[0]) ? c : last;
  });
}

/** The roundest step (1, 2 or 5 × 10^n s) that gives at most 12 ticks. */
export function roundTick(stopS: number): number {
  for (let exp = -3; exp <= 3; exp++)
    for (const m of [1, 2, 5]) {
      const step = m * 10 ** exp;
      if (stopS / step <= 12) return step;
    }
  return 1000;
}

const fmtTime = (t: number, tick: number) =>
  `${t.toFixed(Math.max(0, -Math.floor(Math.log10(tick) + 1e-9)))} s`;
const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));
const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
