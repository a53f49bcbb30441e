import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Tracked text files (lock files hold only registry URLs and hashes). */
function trackedTextFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && f !== 'package-lock.json' && existsSync(join(ROOT, f)))
    .filter((f) => !readFileSync(join(ROOT, f)).includes(0));
}

/**
 * Ways a file can reach outside the repository. Each is precise enough not to fire on URLs
 * (`https://host/home/...`), on paths built under a temporary directory, or on documented system paths such as
 * `/etc/doorbell-agent/`.
 */
const OUTSIDE: Array<{ what: string; pattern: RegExp }> = [
  {
    what: 'an absolute path on a developer machine',
    pattern: /(?<![\w.~:/-])\/(?:work|home|Users|root)\/[\w.-]/,
  },
  { what: 'a Windows home path', pattern: /\b[A-Za-z]:\\Users\\/ },
  { what: 'the shared folder beside the checkout', pattern: /\bshared\/(?:contracts|reference|hooks)\b/ },
  { what: 'the DOORBELL_SHARED variable', pattern: /\bDOORBELL_SHARED\b/ },
  { what: 'a sibling folder of the checkout', pattern: /(['"`])\.\.\1\s*,\s*(['"`])shared\2/ },
];

/**
 * `../` chains resolved from the file's own folder that land outside the repository, on a name the repository
 * does not have at its top (`../../circuits/` quoted in `bin/` describes a source two folders down: not outside).
 */
function escapingRelativePaths(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w./-])((?:\.\.\/)+)([\w.-]*)/g)) {
    const target = resolve(ROOT, dirname(file), m[1] as string, m[2] as string);
    if (!relative(ROOT, target).startsWith('..')) continue;
    if (m[2] !== '' && existsSync(join(ROOT, m[2] as string))) continue;
    out.push(m[0]);
  }
  return out;
}

/** Relative Markdown links must name a file of the repository. */
function brokenMarkdownLinks(file: string, text: string): string[] {
  if (!file.endsWith('.md')) return [];
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = (m[1] as string).split('#')[0] as string;
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const path = resolve(ROOT, dirname(file), target);
    if (relative(ROOT, path).startsWith('..') || !existsSync(path)) out.push(m[1] as string);
  }
  return out;
}

describe('the repository stands alone', () => {
  const files = trackedTextFiles();

  it('reads tracked files', () => {
    expect(files).toContain('README.md');
    expect(files.length).toBeGreaterThan(100);
  });

  it('no tracked file refers to a path outside the repository', () => {
    const found: string[] = [];
    for (const file of files) {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const { what, pattern } of OUTSIDE) {
          // This file names the patterns it looks for.
          if (file === 'test/standalone.test.ts') continue;
          if (pattern.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
        }
        for (const path of escapingRelativePaths(file, line))
          found.push(`${file}:${i + 1}: ${path} leaves the repository`);
        for (const link of brokenMarkdownLinks(file, line))
          found.push(`${file}:${i + 1}: link ${link} names no file of the repository`);
      });
    }
    expect(found).toEqual([]);
  });
});
