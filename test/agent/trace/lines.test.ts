import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OverlongLine, traceLines } from '../../../agent/trace/lines.ts';

async function collect(chunks: Array<Buffer | string>, maxBytes?: number) {
  const lines: Array<string | OverlongLine> = [];
  for await (const line of traceLines(chunks, maxBytes)) lines.push(line);
  return lines;
}

describe('traceLines', () => {
  it('splits on \\n and \\r\\n across chunk boundaries, multi-byte characters included', async () => {
    const text = '{"a":1}\r\n{"b":"é€"}\n\nlast';
    const bytes = Buffer.from(text, 'utf8');
    // Cut inside the \r\n and inside the two-byte é.
    const cuts = [bytes.subarray(0, 8), bytes.subarray(8, 15), bytes.subarray(15)];
    expect(await collect(cuts)).toEqual(['{"a":1}', '{"b":"é€"}', '', 'last']);
  });

  it('yields a line longer than the bound as its length, whatever the chunks, and goes on after it', async () => {
    const lines = await collect(['ok\n', 'x'.repeat(6), 'x'.repeat(6), 'x\nafter\n'], 10);
    expect(lines).toEqual(['ok', { overlongBytes: 13 }, 'after']);
    expect(await collect(['y'.repeat(11)], 10)).toEqual([{ overlongBytes: 11 }]);
    expect(await collect(['y'.repeat(10)], 10)).toEqual(['y'.repeat(10)]);
  });

  it('gives the lines readline gives, for any text cut into any chunks (lines within the bound)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')),
          {
            maxLength: 8,
          },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (lines, cutAt) => {
          const bytes = Buffer.from(lines.join('\n'), 'utf8');
          const cuts = [...new Set(cutAt.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length));
          // As readline: what follows the last newline is a line only when it is not empty.
          const expected = lines.join('\n').split('\n');
          if (expected.at(-1) === '') expected.pop();
          expect(await collect(chunks)).toEqual(expected);
        },
      ),
    );
  });
});
