import type { Block } from './blocks.ts';
import type { Part } from './elements.ts';
import type { Nodes } from './nodes.ts';

/**
 * The values a drawing holds for the model: the supply's voltage and frequency (through a transformer's turns
 * ratio), the cable's resistance and the cell's voltage. Everything else comes from the labels and the parts file.
 */
export interface DrawnValues {
  readonly vac: number;
  /** The drawn source's frequency; `hz=unknown` on the supply's label overrides it. */
  readonly hz: number;
  readonly cableOhm: number;
  readonly cellVolts: number | undefined;
}

type Source = Extract<Part, { kind: 'source' }>;

/** The supply to the millivolt: the drawing holds an amplitude (times a turns ratio), the model the RMS value. */
const millivolts = (v: number) => Math.round(v * 1000) / 1000;

export function drawnValues(
  byRole: ReadonlyMap<Block['role'], readonly Block[]>,
  nodes: Nodes,
  file: string,
): DrawnValues | string[] {
  const problems: string[] = [];
  const supply = byRole.get('supply')![0]!;
  const where = (block: Block) =>
    `${file}:${block.group.label?.line ?? block.group.parts[0]!.line}: role ${block.role}`;
  const ac = supply.group.parts.filter((p): p is Source => p.kind === 'source' && p.wave === 'ac');
  const transformers = supply.group.parts.filter((p) => p.kind === 'transformer');
  const others = supply.group.parts.filter((p) => p.kind !== 'transformer' && !(ac as Part[]).includes(p));
  let vac = Number.NaN;
  let hz = Number.NaN;
  if (ac.length !== 1 || transformers.length > 1 || others.length > 0) {
    problems.push(
      `${where(supply)}: the supply is one AC source (v or R set to AC), and the transformer it drives if you draw one${others.length + ac.length > 1 ? `; not ${supply.group.parts.map((p) => p.name).join(', ')}` : ''} (the transformer's winding resistance is transformer.source_ohm in the parts file)`,
    );
  } else {
    const source = ac[0]!;
    const transformer = transformers[0];
    hz = source.hz;
    const labelHz = supply.group.label?.settings.hz;
    if (labelHz !== undefined && labelHz !== 'unknown')
      problems.push(
        `${where(supply)}: hz=${labelHz}: the frequency is the drawn source's; the label only says hz=unknown (sweep 50 and 60 Hz)`,
      );
    if (hz !== 50 && hz !== 60 && supply.group.label?.settings.hz !== 'unknown')
      problems.push(
        `${where(supply)}: ${source.name} runs at ${hz} Hz (a new AC source in CircuitJS runs at 40): set it to the mains' 50 or 60 Hz, or label the supply \`role: supply hz=unknown\``,
      );
    vac = source.volts / Math.SQRT2;
    if (transformer?.kind === 'transformer') {
      const [p1, s1, p2, s2] = nodes.terminals(transformer) as [string, string, string, string];
      const drives = sameNodes(nodes.terminals(source), [p1, p2]);
      if (!drives || !sameNodes(supply.ends, [s1, s2]))
        problems.push(
          `${where(supply)}: ${source.name} must drive the primary of ${transformer.name}, whose secondary feeds the doorbell loop`,
        );
      vac *= Math.abs(transformer.ratio);
    }
  }
  let cableOhm = 0;
  for (const cable of byRole.get('cable') ?? []) {
    const only = cable.group.parts[0]!;
    if (cable.group.parts.length !== 1 || only.kind !== 'resistor')
      problems.push(`${where(cable)}: a cable is one resistor (label each leg if you draw two)`);
    else cableOhm += only.ohm;
  }
  const cell = byRole.get('cell')?.[0];
  let cellVolts: number | undefined;
  if (cell) {
    const only = cell.group.parts[0]!;
    if (cell.group.parts.length !== 1 || only.kind !== 'source' || only.wave !== 'dc')
      problems.push(
        `${where(cell)}: the cell is one DC source (v or R set to DC); cells=N says how many in series`,
      );
    else cellVolts = Math.abs(only.volts);
  }
  return problems.length > 0
    ? problems
    : { vac: millivolts(vac), hz, cableOhm: Number(cableOhm.toPrecision(12)), cellVolts };
}

function sameNodes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === 2 && b.length === 2 && new Set([...a, ...b]).size === 2 && a[0] !== a[1];
}
