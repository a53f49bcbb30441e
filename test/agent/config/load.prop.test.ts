import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { configLeaves } from '../../../agent/config/keys.ts';
import { loadConfig } from '../../../agent/config/load.ts';
import { configSchema } from '../../../agent/config/schema.ts';
import { ConfigError } from '../../../agent/core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'doorbell-config-prop-'));
let n = 0;
function yamlFile(text: string): string {
  const file = join(dir, `c${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

const PROBLEM = /^(.+:\d+:\d+|\$DOORBELL_AGENT_[A-Z0-9_]+) \S+: \S/;
const sections = Object.keys(configSchema.shape);
const leafKeys = configLeaves().map((leaf) => leaf.path[leaf.path.length - 1]!);

/** Values near the schema: right keys with wrong or right-typed values, wrong keys, nesting. */
const scalar = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'mqtt://broker:1883',
    'gen2',
    'electronic',
    'mechanical',
    '224.0.1.187',
    'shellyuni-98CDAC25ABCD',
  ),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...leafKeys, 'mode', 'duration_s', 'id', 'chime', 'bogus'), tie('node'), {
      maxKeys: 4,
    }),
  ),
})).node;
const document = fc.dictionary(fc.constantFrom(...sections, 'extra'), value, { maxKeys: 5 });

describe('loadConfig properties', () => {
  it('either loads or throws ConfigError whose every problem names a place and a key', () => {
    fc.assert(
      fc.property(document, (doc) => {
        const file = yamlFile(stringify(doc));
        try {
          loadConfig(file, {});
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.problems.length).toBeGreaterThan(0);
          for (const problem of error.problems) expect(problem).toMatch(PROBLEM);
          expect(error.problems.every((p) => p.startsWith(`${file}:`))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never shows a secret placed anywhere in the file', () => {
    const secret = 'Zq9-secret-Xw7';
    fc.assert(
      fc.property(document, fc.constantFrom(...sections), (doc, section) => {
        const withSecret = { ...doc, mqtt: { password: [secret] }, [section]: { password: secret } };
        try {
          loadConfig(yamlFile(stringify(withSecret)), {});
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.message).not.toContain(secret);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an environment variable with the text of a key default leaves the config unchanged', () => {
    const defaults = loadConfig(yamlFile(''), {});
    // File keys are left out: a relative path set by a variable is taken from the current directory, the same
    // text in (or defaulted by) the file from the file's folder (see load.test.ts, paths).
    for (const leaf of configLeaves().filter((l) => !l.file)) {
      const text = Array.isArray(leaf.default)
        ? leaf.default.join(',')
        : leaf.default === null
          ? ''
          : String(leaf.default);
      expect(loadConfig(yamlFile(''), { [leaf.env]: text }), leaf.env).toEqual(defaults);
    }
  });
});
