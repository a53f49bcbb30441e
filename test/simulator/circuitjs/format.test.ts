import { describe, expect, it } from 'vitest';
import { decodeDrawing } from '../../../simulator/circuitjs/elements.ts';
import { escapeText, parseDrawing, unescapeText } from '../../../simulator/circuitjs/format.ts';
import { relayPosts, transformerPosts } from '../../../simulator/circuitjs/geometry.ts';
import { circuitFromUrl, circuitJsUrl } from '../../../simulator/circuitjs/url.ts';

// CircuitJS1's own example (src/com/lushprojects/circuitjs1/public/circuits/relay.txt): the relay's posts are
// where the resistors, the rail and the coil's rail end in that file.
const RELAY_EXAMPLE = `$ 1 5.0E-6 10.20027730826997 50 5.0 50
178 240 176 384 176 0 1 0.2 0.04166643702749262 0.05 1000000.0 0.02 20.0
172 240 208 176 208 0 6 5.0 5.0 0.0 0.0 0.5 Coil Voltage
g 240 288 240 304 0
R 240 176 240 112 0 0 40.0 5.0 0.0 0.0 0.5
r 384 160 464 160 0 100.0
r 384 192 464 192 0 100.0
r 240 224 240 288 0 100.0
w 464 160 464 192 0
w 464 192 464 288 0
g 464 288 464 304 0
`;

describe('CircuitJS text format', () => {
  it('reads element lines as the app does: type, coordinates, flags and values; `+` splits tokens', () => {
    const drawing = parseDrawing(
      `${RELAY_EXAMPLE}o 0 64 0 4099 5 0.1 0 1\nh 1 2 3\n38 0 F1 0 1 1\nr+1+2+3+4+0+47\n`,
      'x.txt',
    );
    expect(drawing.problems).toEqual([]);
    expect(drawing.options).toEqual(['1', '5.0E-6', '10.20027730826997', '50', '5.0', '50']);
    expect(drawing.lines.map((l) => l.type)).toEqual([
      '178',
      '172',
      'g',
      'R',
      'r',
      'r',
      'r',
      'w',
      'w',
      'g',
      'r',
    ]);
    expect(drawing.lines.at(-1)).toMatchObject({
      line: 15,
      x1: 1,
      y1: 2,
      x2: 3,
      y2: 4,
      flags: 0,
      args: ['47'],
    });
  });

  it('puts the relay posts where CircuitJS does: arm, both throws and the coil', () => {
    const relay = relayPosts({ x1: 240, y1: 176, x2: 384, y2: 176, flags: 0 }, 1);
    expect(relay.poles[0]).toEqual({
      common: { x: 240, y: 176 },
      off: { x: 384, y: 160 },
      on: { x: 384, y: 192 },
    });
    expect(relay.coil).toEqual([
      { x: 240, y: 208 },
      { x: 240, y: 224 },
    ]);
    // Flag 1 swaps the coil to the other end; flag 8 (CircuitJS 4) flips the drawing.
    expect(relayPosts({ x1: 240, y1: 176, x2: 384, y2: 176, flags: 1 }, 1).coil[0]).toEqual({
      x: 384,
      y: 208,
    });
    expect(relayPosts({ x1: 240, y1: 176, x2: 384, y2: 176, flags: 8 }, 1).poles[0]!.on).toEqual({
      x: 384,
      y: 160,
    });
  });

  it('puts the transformer posts where CircuitJS does: primary on the left, secondary on the right', () => {
    const posts = transformerPosts({ x1: 96, y1: 160, x2: 160, y2: 224, flags: 0 });
    expect(posts).toEqual([
      { x: 96, y: 160 },
      { x: 160, y: 160 },
      { x: 96, y: 224 },
      { x: 160, y: 224 },
    ]);
    // CircuitJS 4's XML stores the width (wi) instead of taking it from the position.
    expect(transformerPosts({ x1: 96, y1: 160, x2: 160, y2: 224, flags: 0, width: 96 })[2]).toEqual({
      x: 96,
      y: 256,
    });
    // Flag 4 reverses the secondary's polarity: its two posts swap.
    const reversed = transformerPosts({ x1: 96, y1: 160, x2: 160, y2: 224, flags: 4 });
    expect([reversed[1], reversed[3]]).toEqual([posts[3], posts[1]]);
  });

  it('escapes texts into one token and back, as CustomLogicModel does', () => {
    const text = 'role: doorbell model=db1\nchime=electronic #1 & 2+2 \\';
    const escaped = escapeText(text);
    expect(escaped).not.toMatch(/[ \n=#&+]/);
    expect(unescapeText(escaped)).toBe(text);
    expect(unescapeText('\\0')).toBe('');
  });

  it('names an element it does not read, with its line and place', () => {
    const decoded = decodeDrawing(
      parseDrawing('$ 1 5e-6 10 50 5 50\nt 208 176 240 176 0 1 0 0 100\n', 'd.txt'),
      'd.txt',
    );
    expect(decoded.problems).toEqual([
      expect.stringMatching(
        /^d\.txt:2: `t` \(transistor\) at \(208,176\)-\(240,176\): not supported by the import/,
      ),
    ]);
  });
});

describe('the cct= URL', () => {
  it('carries the text exactly as the app reads it back (split on & and =, decodeURI, %24 → $)', () => {
    const text = `${RELAY_EXAMPLE}x 8 8 8 8 4 12 role:\\sdoorbell\\nmodel\\qdb1\n`;
    const url = circuitJsUrl(text);
    expect(url).toMatch(/^https:\/\/www\.falstad\.com\/circuit\/circuitjs\.html\?cct=%24%201%205\.0E-6/);
    expect(url.split('?cct=')[1]).not.toMatch(/[ \n&=#+]/);
    expect(circuitFromUrl(url)).toBe(text);
  });

  it('refuses a character the query cannot carry', () => {
    expect(() => circuitJsUrl('x 0 0 0 0 0 12 a=b')).toThrow(/cannot be carried/);
  });
});
