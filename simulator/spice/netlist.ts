/** Values a template may name: numbers are written in ngspice's plain notation, booleans drive `{{#flag}}` blocks. */
export type TemplateValues = Readonly<Record<string, string | number | boolean>>;

/** Renders a netlist template: `{{#flag}}…{{/flag}}` blocks kept only when `flag` is true, then `{{name}}` values. */
export function renderNetlist(template: string, values: TemplateValues): string {
  const withBlocks = template.replace(
    /\{\{#(\w+)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?/g,
    (_, flag: string, body: string) => {
      if (!(flag in values)) throw new RangeError(`template flag {{#${flag}}} has no value`);
      return values[flag] === true ? body : '';
    },
  );
  return withBlocks.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new RangeError(`template value {{${name}}} has no value`);
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`netlist value ${value} is not finite`);
  return Number.parseFloat(value.toPrecision(9)).toString();
}

/** A piecewise-linear source that is `high` inside each interval and 0 outside, with `edgeS` ramps. */
export function formatStepPwl(
  intervals: readonly (readonly [number, number])[],
  stopS: number,
  edgeS = 1e-4,
): string {
  const points: [number, number][] = [[0, 0]];
  for (const [from, to] of intervals) {
    const start = Math.max(from, points[points.length - 1]![0] + edgeS);
    if (start >= stopS || to <= start) continue;
    points.push(
      [start, 0],
      [start + edgeS, 1],
      [Math.max(to, start + 2 * edgeS), 1],
      [Math.max(to, start + 2 * edgeS) + edgeS, 0],
    );
  }
  points.push([Math.max(stopS, points[points.length - 1]![0] + edgeS), points[points.length - 1]![1]]);
  return points.map(([t, v]) => `${formatNumber(t)} ${v}`).join(' ');
}
