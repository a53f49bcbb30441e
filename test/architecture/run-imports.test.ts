import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/paths.ts';

/**
 * What `run` and `--help` load, read from the bundle users run (bin/bundle-options.js, esbuild's metafile): the
 * modules of the chunk a command starts from and of every chunk it imports statically. A dynamic `import()` is
 * followed only where the program takes it every time (cli.ts loading the command that runs).
 */
const out = mkdtempSync(join(tmpdir(), 'doorbell-run-imports-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function bundle(): Promise<Metafile> {
  const { bundleOptions } = (await import(join(REPO, 'bin', 'bundle-options.js'))) as {
    bundleOptions: BuildOptions;
  };
  const result = buildSync({
    ...bundleOptions,
    entryPoints: { cli: join(REPO, 'agent', 'cli.ts') },
    target: 'node20',
    outdir: out,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Source files and external packages loaded with the chunk built from `entry` (a path relative to the repo). */
function loadedWith(meta: Metafile, entry: string): { files: string[]; packages: string[] } {
  const outputs = Object.entries(meta.outputs);
  const start = outputs.find(([, o]) => o.entryPoint === entry)?.[0];
  if (!start) throw new Error(`no chunk for ${entry}`);
  const files = new Set<string>();
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const output = meta.outputs[path];
    if (!output) return;
    for (const input of Object.keys(output.inputs)) files.add(input);
    for (const imported of output.imports) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(start);
  return { files: [...files], packages: [...packages] };
}

const packageOf = (file: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];

describe("run's import graph (issue 15: run loads only what it uses)", async () => {
  const meta = await bundle();

  it('--help loads commander, the catalog and nothing else', () => {
    const { files } = loadedWith(meta, 'agent/cli.ts');
    const ours = files.filter((f) => !f.includes('node_modules/')).sort();
    expect(ours).toEqual([
      'agent/cli.ts',
      'agent/commands/catalog.ts',
      'agent/commands/context.ts',
      'agent/core/errors.ts',
    ]);
    expect(new Set(files.map(packageOf).filter(Boolean))).toEqual(new Set(['commander']));
  });

  it('run loads no simulator, no other command, no embedded broker, no metrics, no TLS', () => {
    const { files, packages } = loadedWith(meta, 'agent/commands/run.ts');
    expect(files.filter((f) => f.startsWith('simulator/'))).toEqual([]);
    expect(
      files.filter((f) => f.startsWith('agent/commands/') && !/\/(run|catalog|context)\.ts$/.test(f)),
    ).toEqual([]);
    const loaded = new Set([...files.map(packageOf), ...packages]);
    for (const name of ['aedes', 'prom-client', 'eecircuit-engine'])
      expect(loaded.has(name), name).toBe(false);
    // TLS (and crypto with it) only for an mqtts:// broker or an embedded broker with a certificate.
    for (const name of ['node:tls', 'node:crypto', 'node:https', 'node:zlib'])
      expect(loaded.has(name), name).toBe(false);
    expect(files).not.toContain('agent/outputs/metrics.ts');
    expect(files).not.toContain('agent/outputs/status-page.ts');
    // What it does need is there (the test would pass vacuously on a chunk that loads nothing).
    for (const name of ['mqtt', 'zod', 'yaml', 'better-sqlite3']) expect(loaded.has(name), name).toBe(true);
  });

  it("takes zod's API without its 40-odd translations of the error messages", () => {
    const { files } = loadedWith(meta, 'agent/commands/run.ts');
    expect(files.filter((f) => f.includes('zod/v4/locales/') && !f.endsWith('/en.js'))).toEqual([]);
  });
});
