import { type Drawing, type DrawingLine, escapeText } from './format.ts';

/**
 * CircuitJS 4's XML (`XMLSerializer.dumpCircuit`): a `<cir>` root, one child element per circuit element with its
 * position in `x="x1 y1 x2 y2"`, its flags in `f` and its values in attributes each element names in `dumpXml()`.
 * Each element is turned into the text format's line (format.ts), so both formats share one decoder. Children
 * that are not elements (scopes `o`, models `dm` `tm` `clm` `ccm`, hints, sliders, tests) are skipped, except the
 * relay models (`rlm`), which say where a relay's coil and poles are.
 */

interface XmlElement {
  readonly tag: string;
  readonly line: number;
  readonly attrs: ReadonlyMap<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number.parseInt(e.slice(1), 10))
        : (ENTITIES[e] ?? whole),
  );
}

/** `XMLDeserializer.parseStringAttr`: string values are escaped once more than XML needs. */
function stringAttr(element: XmlElement, name: string): string | undefined {
  const value = element.attrs.get(name);
  return value === undefined ? undefined : decodeEntities(value);
}

const TAG =
  /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
const ATTR = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** The root's direct children, or a message saying why the text is not such a document. */
function childrenOfRoot(text: string): XmlElement[] | string {
  const children: XmlElement[] = [];
  let depth = 0;
  let root: string | undefined;
  for (const m of text.matchAll(TAG)) {
    if (m[2] === undefined) continue; // a comment or a declaration
    const [, closing, tag, attrText, selfClosing] = m;
    if (closing) {
      depth--;
      continue;
    }
    if (depth === 0 && root !== undefined) return `a second root element <${tag}>`;
    if (depth === 0) root = tag;
    if (depth === 1) {
      const attrs = new Map<string, string>();
      for (const a of (attrText ?? '').matchAll(ATTR)) attrs.set(a[1]!, decodeEntities(a[2] ?? a[3] ?? ''));
      const line = text.slice(0, m.index).split('\n').length;
      children.push({ tag, line, attrs });
    }
    if (!selfClosing) depth++;
  }
  if (root !== 'cir') return root === undefined ? 'no XML elements' : `its root is <${root}>, not <cir>`;
  return children;
}

/** Coil style (RelayModel.coilStyle: 0 both sides, 1 first end, 2 other end) as the text format's flags. */
const COIL_STYLE_FLAGS = [4, 0, 1];
/** CircuitJS 4's built-in relay models: coil on both sides, one to three poles. */
const BUILT_IN_RELAYS: Record<string, { poles: number; coilStyle: number }> = {
  default: { poles: 1, coilStyle: 0 },
  'default-2-poles': { poles: 2, coilStyle: 0 },
  'default-3-poles': { poles: 3, coilStyle: 0 },
};
/** Tags named after their class (a dump type outside the printable range). */
const TAG_TYPES: Record<string, string> = { rl: '178', ln: '207', TestPoint: '368', Ammeter: '370' };

export function parseXmlDrawing(text: string, file: string): Drawing {
  const children = childrenOfRoot(text);
  if (typeof children === 'string')
    return { options: undefined, lines: [], problems: [`${file}: not a CircuitJS XML drawing: ${children}`] };
  const relayModels = new Map(Object.entries(BUILT_IN_RELAYS));
  for (const model of children.filter((c) => c.tag === 'rlm'))
    relayModels.set(stringAttr(model, 'nm') ?? '', {
      poles: Number(model.attrs.get('po') ?? 1),
      coilStyle: Number(model.attrs.get('cs') ?? 0),
    });
  const lines: DrawingLine[] = [];
  const problems: string[] = [];
  for (const element of children) {
    const position = element.attrs.get('x')?.trim().split(/\s+/).map(Number);
    if (position === undefined) continue; // not a circuit element
    const flags = Number(element.attrs.get('f') ?? 0);
    if (position.length !== 4 || !position.every(Number.isInteger) || !Number.isInteger(flags)) {
      problems.push(
        `${file}:${element.line}: <${element.tag}>: x="${element.attrs.get('x')}" is not four integers`,
      );
      continue;
    }
    const [x1, y1, x2, y2] = position as [number, number, number, number];
    const type = TAG_TYPES[element.tag] ?? element.tag;
    const line = { line: element.line, type, x1, y1, x2, y2, flags };
    const attr = (name: string, fallback: string) => element.attrs.get(name) ?? fallback;
    switch (type) {
      case 'r':
      case 'c':
      case 'l':
        lines.push({ ...line, args: [attr(type, 'NaN')] });
        break;
      case 'v':
      case 'R':
        lines.push({
          ...line,
          args: [attr('wf', '0'), attr('fr', '40'), attr('maxv', '5'), attr('bias', '0')],
        });
        break;
      case 's':
        lines.push({ ...line, args: [attr('p', '0')] });
        break;
      case 'T': {
        const width = Number(element.attrs.get('wi'));
        lines.push({
          ...line,
          args: [attr('in', '4'), attr('ra', '1')],
          ...(Number.isInteger(width) && { width }),
        });
        break;
      }
      case '178': {
        const model = element.attrs.has('mo') ? relayModels.get(stringAttr(element, 'mo') ?? '') : undefined;
        // Without a model name, the relay's own attributes (an older CircuitJS 4 file) and its flags say it.
        const poles = model?.poles ?? Number(attr('po', '1'));
        const style = model ? COIL_STYLE_FLAGS[model.coilStyle] : flags & 5;
        if (element.attrs.has('mo') && !model) {
          problems.push(
            `${file}:${element.line}: <rl>: relay model ${stringAttr(element, 'mo')} is not in the file`,
          );
          break;
        }
        lines.push({ ...line, flags: (flags & 8) | (style ?? 0), args: [String(poles)] });
        break;
      }
      case 'x':
        lines.push({
          ...line,
          flags: flags | 4,
          args: [attr('si', '24'), escapeText(stringAttr(element, 'te') ?? '')],
        });
        break;
      case '207':
        lines.push({ ...line, flags: flags | 4, args: [escapeText(stringAttr(element, 'te') ?? '')] });
        break;
      default:
        lines.push({ ...line, args: [] });
    }
  }
  const root = text.match(/<cir\b[^>]*>/)?.[0];
  return { options: root ? [root] : undefined, lines, problems };
}
