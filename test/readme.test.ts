import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodesMarkdown } from '../agent/cli.ts';
import { configReferenceMarkdown } from '../agent/config/reference.ts';

const README = join(import.meta.dirname, '..', 'README.md');
/** Replaces what lies between `<!-- name:start -->` and `<!-- name:end -->` with `content`. */
function generated(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const [before, rest] = text.split(start) as [string, string | undefined];
  if (rest === undefined) throw new Error(`README.md has no ${start}`);
  const after = rest.split(end)[1] as string;
  return `${before}${start}\n${content}\n${end}${after}`;
}

/** The README's generated parts; `UPDATE_README=1 npm test` rewrites them. */
describe('README', () => {
  const check = async (name: string, content: () => string | Promise<string>) => {
    const text = readFileSync(README, 'utf8');
    const wanted = generated(text, name, await content());
    if (process.env.UPDATE_README === '1' && wanted !== text) writeFileSync(README, wanted);
    else expect(text).toBe(wanted);
  };

  it('documents every configuration key exactly as the schema does', async () => {
    await check('config-reference', configReferenceMarkdown);
  });

  it("lists every command's exit codes exactly as its --help does", async () => {
    await check('exit-codes', exitCodesMarkdown);
  });
});
