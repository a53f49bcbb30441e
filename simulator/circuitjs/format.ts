/**
 * CircuitJS's text format (Falstad's circuit simulator, CircuitJS1), as its loader reads it
 * (`CircuitLoader.readCircuit` / `CirSim.readCircuit`): one element a line, `type x1 y1 x2 y2 flags values…`, the
 * type a character (`r`, `w`) or a number (`178`), tokens split on spaces, tabs and `+`; a `$` line holds the
 * options. Lines the app reads but that draw nothing (scopes `o`, hints `h`, sliders `38`, models `34`, `32`, `!`,
 * `.`) are skipped here, as are the filter tool's `%`, `?`, `B`.
 */

export interface DrawingLine {
  /** 1-based line number in the file, for messages. */
  readonly line: number;
  /** The dump type as written: `r`, `w`, `178`. */
  readonly type: string;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly flags: number;
  /** The element's own values, after the flags. */
  readonly args: readonly string[];
  /** A transformer's width, which CircuitJS 4's XML stores (`wi`) and the text format takes from the position. */
  readonly width?: number;
}

export interface Drawing {
  /** The `$` line's tokens after the `$` (options: flags, time step, speed, current bar, voltage range, …). */
  readonly options: readonly string[] | undefined;
  readonly lines: readonly DrawingLine[];
  /** One entry per line that is not an element line (`file:line: …`); empty when the file reads. */
  readonly problems: readonly string[];
}

/** CircuitJS's StringTokenizer delimiters: `+` is one, which is why texts escape it. */
const DELIMITERS = /[ +\t\n\r\f]+/;
const SKIPPED_LETTERS = new Set(['o', 'h', '!', '%', '?', 'B', '.']);
const SKIPPED_NUMBERS = new Set([32, 34, 38]);
const INTEGER = /^-?\d+$/;

export function parseDrawing(text: string, file: string): Drawing {
  const lines: DrawingLine[] = [];
  const problems: string[] = [];
  let options: string[] | undefined;
  for (const [i, raw] of text.split(/\r\n|\r|\n/).entries()) {
    const tokens = raw.split(DELIMITERS).filter((t) => t !== '');
    const type = tokens[0];
    if (type === undefined) continue;
    if (type.startsWith('$')) {
      options = tokens.slice(1);
      continue;
    }
    const first = type[0]!;
    if (SKIPPED_LETTERS.has(first)) continue;
    if (/\d/.test(first) && SKIPPED_NUMBERS.has(Number.parseInt(type, 10))) continue;
    const numbers = tokens.slice(1, 6);
    if (numbers.length < 5 || !numbers.every((t) => INTEGER.test(t))) {
      problems.push(
        `${file}:${i + 1}: \`${raw.trim().slice(0, 40)}\` is not a CircuitJS element line (type x1 y1 x2 y2 flags …)`,
      );
      continue;
    }
    const [x1, y1, x2, y2, flags] = numbers.map(Number) as [number, number, number, number, number];
    const code = /\d/.test(first) ? String(Number.parseInt(type, 10)) : first;
    lines.push({ line: i + 1, type: code, x1, y1, x2, y2, flags, args: tokens.slice(6) });
  }
  if (lines.length === 0 && problems.length > 1)
    return {
      options,
      lines,
      problems: [`${file}: not a CircuitJS drawing: no line of it is an element line`],
    };
  return { options, lines, problems };
}

/** A number as CircuitJS reads it back (`Double.parseDouble`): JavaScript's shortest form round-trips. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
}

export function formatLine(line: Omit<DrawingLine, 'line'>): string {
  const head = [line.type, line.x1, line.y1, line.x2, line.y2, line.flags].join(' ');
  return line.args.length === 0 ? head : `${head} ${line.args.join(' ')}`;
}

export function formatDrawing(
  options: readonly string[],
  lines: readonly Omit<DrawingLine, 'line'>[],
): string {
  return `${['$', ...options].join(' ')}\n${lines.map(formatLine).join('\n')}\n`;
}

/** `CustomLogicModel.escape`: texts are one token, so spaces, `+`, `=`, `#`, `&` and line breaks are escaped. */
export function escapeText(text: string): string {
  if (text === '') return '\\0';
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll('\n', '\\n')
    .replaceAll(' ', '\\s')
    .replaceAll('+', '\\p')
    .replaceAll('=', '\\q')
    .replaceAll('#', '\\h')
    .replaceAll('&', '\\a')
    .replaceAll('\r', '\\r');
}

const UNESCAPED: Record<string, string> = { n: '\n', r: '\r', s: ' ', p: '+', q: '=', h: '#', a: '&' };

/** `CustomLogicModel.unescape`: a backslash before any other character keeps that character. */
export function unescapeText(text: string): string {
  if (text === '\\0') return '';
  return text.replace(/\\(.)/gs, (_, c: string) => UNESCAPED[c] ?? c);
}
