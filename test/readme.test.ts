import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../agent/config/reference.ts';

const README = join(import.meta.dirname, '..', 'README.md');
const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

/** The README's configuration reference is generated from the schema; `UPDATE_README=1 npm test` rewrites it. */
describe('README', () => {
  it('documents every configuration key exactly as the schema does', () => {
    const text = readFileSync(README, 'utf8');
    const [before, rest] = text.split(START) as [string, string];
    const after = rest.split(END)[1] as string;
    const wanted = `${before}${START}\n${configReferenceMarkdown()}\n${END}${after}`;
    if (process.env.UPDATE_README === '1' && wanted !== text) writeFileSync(README, wanted);
    else expect(text).toBe(wanted);
  });
});
