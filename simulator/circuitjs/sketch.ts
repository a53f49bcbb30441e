import { type DrawingLine, escapeText, formatDrawing, formatNumber } from './format.ts';
import type { Point } from './geometry.ts';

type Line = Omit<DrawingLine, 'line'>;

/** Builds a drawing element by element, in the dump formats the import reads back. */
export class Sketch {
  readonly lines: Line[] = [];

  private add(type: string, a: Point, b: Point, flags: number, args: (string | number)[]): void {
    const values = args.map((v) => (typeof v === 'number' ? formatNumber(v) : v));
    this.lines.push({ type, x1: a.x, y1: a.y, x2: b.x, y2: b.y, flags, args: values });
  }

  /** A wire through each point in turn. */
  wire(...points: Point[]): void {
    for (let i = 1; i < points.length; i++) this.add('w', points[i - 1]!, points[i]!, 0, []);
  }

  resistor(a: Point, b: Point, ohm: number): void {
    this.add('r', a, b, 0, [ohm]);
  }

  /** `c`: capacitance, the voltage it starts with (post 1 minus post 2), and the same as its reset value. */
  capacitor(a: Point, b: Point, farad: number, startV: number): void {
    this.add('c', a, b, 0, [farad, startV, startV]);
  }

  /** `d`, anode at a, the built-in `default` model (flag 2: a model name follows). */
  diode(anode: Point, cathode: Point): void {
    this.add('d', anode, cathode, 2, ['default']);
  }

  /** `s`: position 1 is open; a momentary switch is a push button. */
  pushButton(a: Point, b: Point): void {
    this.add('s', a, b, 0, [1, 'true']);
  }

  /** `v`, minus at a, plus at b: waveform 0 (DC) or 1 (AC), frequency, voltage or amplitude, offset, phase, duty. */
  source(minus: Point, plus: Point, wave: 'dc' | 'ac', volts: number, hz: number): void {
    this.add('v', minus, plus, 0, [wave === 'dc' ? 0 : 1, hz, volts, 0, 0, 0.5]);
  }

  /** `178`, one pole: coil inductance, its current, contact on/off resistance, pull-in current, coil resistance;
   * then (read by CircuitJS 4) the drop-out current, switching time and position. */
  relay(
    a: Point,
    b: Point,
    r: { henry: number; contactOhm: number; onAmps: number; offAmps: number; coilOhm: number },
  ): void {
    this.add('178', a, b, 0, [1, r.henry, 0, r.contactOhm, 1e6, r.onAmps, r.coilOhm, r.offAmps, 0, 0]);
  }

  /** `x`: size 12, flag 4 (escaped text); lines of a label are lines of the text. */
  text(at: Point, lines: readonly string[]): void {
    this.add('x', at, at, 4, [12, escapeText(lines.join('\n'))]);
  }

  box(a: Point, b: Point): void {
    this.add('b', a, b, 0, []);
  }

  /** Options: dots on, a 5 µs step, the default speed, current and power bars, and the voltage colour range. */
  format(voltageRange: number): string {
    return formatDrawing(
      ['1', '0.000005', '10.20027730826997', '50', formatNumber(voltageRange), '50'],
      this.lines,
    );
  }
}
