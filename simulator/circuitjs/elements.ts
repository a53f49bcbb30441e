import type { Drawing, DrawingLine } from './format.ts';
import { unescapeText } from './format.ts';
import { type Point, type RelayPosts, relayPosts, transformerPosts } from './geometry.ts';

/**
 * The elements the import understands, decoded from their lines as each element's `StringTokenizer` constructor
 * reads them (CircuitJS1 `ResistorElm`, `VoltageElm`, `RelayElm`, …). Parts carry current; connectors only join
 * posts; texts and boxes carry the role labels.
 */

interface Common {
  readonly line: number;
  /** The dump type as written: `r`, `178`. */
  readonly type: string;
  /** For messages: `` `r` (resistor) at (176,96)-(272,96) ``. */
  readonly name: string;
  readonly from: Point;
  readonly to: Point;
  /** Where it connects; a rail's second terminal is ground, which has no post. */
  readonly posts: readonly Point[];
}

export type Part = Common &
  (
    | { readonly kind: 'resistor'; readonly ohm: number }
    | { readonly kind: 'capacitor' | 'inductor' | 'diode' }
    | { readonly kind: 'switch'; readonly open: boolean }
    | {
        readonly kind: 'source';
        readonly wave: 'dc' | 'ac';
        /** DC: the voltage (bias included); AC: the amplitude. */
        readonly volts: number;
        readonly hz: number;
        /** A rail (`R`): one post, the other terminal is ground. */
        readonly rail: boolean;
      }
    | { readonly kind: 'transformer'; readonly ratio: number }
    | { readonly kind: 'relay'; readonly relay: RelayPosts }
  );

/** Joins posts: a wire its two ends, ground every ground, a labeled node every node of the same name. */
export type Connector = Common &
  ({ readonly kind: 'wire' | 'ground' } | { readonly kind: 'node'; readonly node: string });

export interface Text {
  readonly line: number;
  readonly at: Point;
  readonly text: string;
}

export interface Box {
  readonly line: number;
  readonly from: Point;
  readonly to: Point;
}

export interface DecodedDrawing {
  readonly parts: readonly Part[];
  readonly connectors: readonly Connector[];
  readonly texts: readonly Text[];
  readonly boxes: readonly Box[];
  readonly problems: readonly string[];
}

const NAMES: Record<string, string> = {
  r: 'resistor',
  c: 'capacitor',
  l: 'inductor',
  v: 'voltage source',
  R: 'rail',
  s: 'switch',
  d: 'diode',
  T: 'transformer',
  '178': 'relay',
  w: 'wire',
  g: 'ground',
  '207': 'labeled node',
  x: 'text',
  b: 'box',
  p: 'voltmeter',
  O: 'output',
  '368': 'test point',
  '370': 'ammeter',
  t: 'transistor',
  f: 'MOSFET',
  j: 'JFET',
  a: 'op-amp',
  i: 'current source',
  S: 'two-way switch',
  z: 'zener diode',
  '162': 'LED',
  '169': 'tapped transformer',
  '172': 'variable rail',
  '174': 'potentiometer',
  '181': 'lamp',
  '404': 'fuse',
  '414': 'time-delay relay',
};

export const SUPPORTED = 'r c l v R s d T 178 w g 207 x b (and the meters p O 368 370)';

export function describeType(type: string): string {
  return NAMES[type] ? `\`${type}\` (${NAMES[type]})` : `\`${type}\``;
}

export function decodeDrawing(drawing: Drawing, file: string): DecodedDrawing {
  const out = { parts: [] as Part[], connectors: [] as Connector[], texts: [] as Text[], boxes: [] as Box[] };
  const problems = [...drawing.problems];
  for (const line of drawing.lines) {
    try {
      decodeLine(line, out);
    } catch (error) {
      if (!(error instanceof LineProblem)) throw error;
      const where = `${describeType(line.type)} at (${line.x1},${line.y1})-(${line.x2},${line.y2})`;
      problems.push(`${file}:${line.line}: ${where}: ${error.message}`);
    }
  }
  return { ...out, problems };
}

class LineProblem extends Error {}

function number(line: DrawingLine, index: number, what: string, fallback?: number): number {
  const token = line.args[index];
  if (token === undefined && fallback !== undefined) return fallback;
  const value = Number(token);
  if (token === undefined || !Number.isFinite(value)) throw new LineProblem(`${what} is not a number`);
  return value;
}

function decodeLine(
  line: DrawingLine,
  out: { parts: Part[]; connectors: Connector[]; texts: Text[]; boxes: Box[] },
): void {
  const from = { x: line.x1, y: line.y1 };
  const to = { x: line.x2, y: line.y2 };
  const common = {
    line: line.line,
    type: line.type,
    name: `${describeType(line.type)} at (${line.x1},${line.y1})-(${line.x2},${line.y2})`,
    from,
    to,
    posts: [from, to],
  };
  const text = () => {
    const escaped = (line.flags & 4) !== 0;
    const tokens = line.type === 'x' ? line.args.slice(1) : line.args;
    return escaped ? unescapeText(tokens[0] ?? '') : tokens.join(' ').replace(/%2[bB]/g, '+');
  };
  switch (line.type) {
    case 'r':
      return void out.parts.push({ ...common, kind: 'resistor', ohm: number(line, 0, 'resistance') });
    case 'c':
    case 'l':
    case 'd':
      return void out.parts.push({
        ...common,
        kind: line.type === 'c' ? 'capacitor' : line.type === 'l' ? 'inductor' : 'diode',
      });
    case 's': {
      const position =
        line.args[0] === 'true' ? 1 : line.args[0] === 'false' ? 0 : number(line, 0, 'position');
      return void out.parts.push({ ...common, kind: 'switch', open: position !== 0 });
    }
    case 'v':
    case 'R':
      return void out.parts.push(source(line, common));
    case 'T':
      if (line.x1 === line.x2 && line.y1 === line.y2) throw new LineProblem('a transformer of no size');
      return void out.parts.push({
        ...common,
        kind: 'transformer',
        ratio: number(line, 1, 'turns ratio'),
        posts: transformerPosts(line),
      });
    case '178': {
      const poles = number(line, 0, 'pole count');
      if (!Number.isInteger(poles) || poles < 1) throw new LineProblem('a relay needs at least one pole');
      if (line.x1 === line.x2 && line.y1 === line.y2) throw new LineProblem('a relay of no size');
      const relay = relayPosts(line, poles);
      const posts = [...relay.poles.flatMap((p) => [p.common, p.off, p.on]), ...relay.coil];
      return void out.parts.push({ ...common, kind: 'relay', relay, posts });
    }
    case 'w':
    case '370':
      return void out.connectors.push({ ...common, kind: 'wire' });
    case 'g':
      return void out.connectors.push({ ...common, kind: 'ground', posts: [from] });
    case '207':
      return void out.connectors.push({ ...common, kind: 'node', posts: [from], node: text() });
    case 'x':
      return void out.texts.push({ line: line.line, at: from, text: text() });
    case 'b':
      return void out.boxes.push({ line: line.line, from, to });
    case 'p':
    case 'O':
    case '368':
      return; // meters draw no current
    default:
      throw new LineProblem(
        `not supported by the import, which reads ${SUPPORTED}: draw the part with those elements, or leave it out`,
      );
  }
}

function source(line: DrawingLine, common: Omit<Common, 'kind'>): Part {
  // VoltageElm's defaults when a token is missing: DC, 40 Hz, 5 V.
  const waveform = number(line, 0, 'waveform', 0);
  const hz = number(line, 1, 'frequency', 40);
  const amplitude = number(line, 2, 'voltage', 5);
  const bias = number(line, 3, 'DC offset', 0);
  const rail = line.type === 'R';
  const posts = rail ? [common.from] : common.posts;
  if (waveform === 0)
    return { ...common, posts, kind: 'source', wave: 'dc', volts: amplitude + bias, hz, rail };
  if (waveform !== 1)
    throw new LineProblem(
      `waveform ${waveform} (square, triangle, pulse …): only DC and AC (sine) sources are supported`,
    );
  if (bias !== 0) throw new LineProblem(`an AC source with a DC offset (${bias} V) is not a mains supply`);
  return { ...common, posts, kind: 'source', wave: 'ac', volts: amplitude, hz, rail };
}
