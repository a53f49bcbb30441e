import type { ScenarioResult } from '../circuit/scenario.ts';
import { getVector } from '../spice/waveform.ts';

const WIDTH = 960;
const PANEL_H = 90;
const GAP = 28;
const LEFT = 70;
const RIGHT = 20;
const TOP = 44;

interface Panel {
  readonly title: string;
  readonly unit: string;
  /** Columns of [min, max] over each pixel, or a step trace. */
  readonly columns: readonly (readonly [number, number])[];
}

/** A hand-written SVG of the press at one operating point: supply, coil current, contact, IN_1, logical input. */
export function renderPressPlot(s: ScenarioResult, title: string): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const stop = s.plan.stopS;
  const bell = s.traces.doorbell;
  const sense = s.traces.sense;
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
  const panels: Panel[] = [
    {
      title: 'supply at the Uni, v(sec)',
      unit: 'V',
      columns: columnsOf(bell.time, getVector(bell, 'v(sec)'), plotW, stop),
    },
    {
      title: 'relay coil current',
      unit: 'mA',
      columns: columnsOf(
        bell.time,
        getVector(bell, 'i(lcoil)').map((v) => v * 1000),
        plotW,
        stop,
      ),
    },
    { title: 'relay contact (1 = closed)', unit: '', columns: step(s.contact) },
    {
      title: 'IN_1 voltage',
      unit: 'V',
      columns: columnsOf(sense.time, getVector(sense, 'v(in1)'), plotW, stop),
    },
    { title: 'logical input (field threshold, poll phase 0)', unit: '', columns: step(logicalHighs) },
  ];
  const height = TOP + panels.length * (PANEL_H + GAP) + 20;
  const x = (t: number) => LEFT + (t / stop) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="18" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const [a, b] of s.plan.presses) {
    parts.push(
      `<rect x="${x(a).toFixed(1)}" y="${TOP}" width="${(x(b) - x(a)).toFixed(1)}" height="${height - TOP - 20}" fill="#fff3c4"/>`,
    );
  }
  panels.forEach((panel, i) => {
    parts.push(drawPanel(panel, TOP + i * (PANEL_H + GAP), plotW));
  });
  const axisY = height - 8;
  for (let k = 0; k <= 10; k++) {
    const t = (stop * k) / 10;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY}" text-anchor="middle">${t.toFixed(2)} s</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function drawPanel(panel: Panel, y0: number, plotW: number): string {
  // Step traces (contact, logical input) always span 0..1 so a flat 0 still reads as "open" / "low".
  const isStep = panel.unit === '';
  let lo = isStep ? 0 : Math.min(...panel.columns.map((c) => c[0]));
  let hi = isStep ? 1 : Math.max(...panel.columns.map((c) => c[1]));
  if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const y = (v: number) => y0 + PANEL_H - ((v - lo) / (hi - lo)) * PANEL_H;
  const points = panel.columns
    .flatMap(([mn, mx], i) => [`${LEFT + i},${y(mn).toFixed(1)}`, `${LEFT + i},${y(mx).toFixed(1)}`])
    .join(' ');
  const label = panel.unit ? `${panel.title} [${panel.unit}]` : panel.title;
  return [
    `<rect x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL_H}" fill="none" stroke="#999"/>`,
    `<text x="${LEFT + 4}" y="${y0 - 4}">${escapeXml(label)}</text>`,
    `<text x="${LEFT - 4}" y="${y(hi - pad) + 4}" text-anchor="end">${fmt(hi - pad)}</text>`,
    `<text x="${LEFT - 4}" y="${y(lo + pad) + 4}" text-anchor="end">${fmt(lo + pad)}</text>`,
    `<polyline fill="none" stroke="#1f5fbf" stroke-width="1" points="${points}"/>`,
  ].join('\n');
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

const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
