import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { REPO } from '../helpers/paths.ts';

/**
 * The package users install: `npm pack` (its prepack compiles dist/), then an install into an empty prefix, as
 * `npm install -g ./doorbell-agent-*.tgz` does, and the installed command run from an unrelated folder.
 *
 * The install skips install scripts and gives better-sqlite3 the binary this checkout already compiled for the
 * running Node (same version and ABI), else compiles it (`npm rebuild`): compiling SQLite is npm's and node-gyp's
 * job, proven by every `npm ci`, and .ci/run does one full `npm install -g` of the tarball under Node 24 anyway.
 * What this test owns is the package: its files, its dependency list, and a bundle that runs without esbuild,
 * tsx or the TypeScript sources.
 */

const TRACE = 'examples/traces/example-mechanical-coiot';
const DEV_ONLY = ['esbuild', 'tsx', 'typescript', 'coap', 'vitest', '@biomejs/biome', 'dependency-cruiser'];

let work: string;
let packed: { filename: string; files: Array<{ path: string }> };
let pkg: string;
let bin: string;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // The npm of this machine, run by the Node under test (PATH decides which node `npm` runs on).
    env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
    timeout: 600_000,
  });
}

function installed(args: string[]) {
  return spawnSync(bin, args, {
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
      HOME: work,
    },
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'doorbell-pack-'));
  const out = npm(['pack', '--json', '--pack-destination', work], REPO);
  packed = (JSON.parse(out) as Array<typeof packed>)[0]!;
  const prefix = join(work, 'prefix');
  npm(
    [
      'install',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      join(work, packed.filename),
    ],
    work,
  );
  pkg = join(prefix, 'node_modules', 'doorbell-agent');
  bin = join(prefix, 'node_modules', '.bin', 'doorbell-agent');
  const sqlite = join(prefix, 'node_modules', 'better-sqlite3');
  const ours = join(REPO, 'node_modules', 'better-sqlite3');
  const version = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const built = join(ours, 'build', 'Release', 'better_sqlite3.node');
  if (version(sqlite) === version(ours) && existsSync(built)) {
    execFileSync('mkdir', ['-p', join(sqlite, 'build', 'Release')]);
    copyFileSync(built, join(sqlite, 'build', 'Release', 'better_sqlite3.node'));
  } else {
    npm(['rebuild', 'better-sqlite3', '--prefix', prefix, '--loglevel=error'], work);
  }
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the compiled bundle, the bin, circuits, docs and examples, and no TypeScript, tests or CI', () => {
    const paths = packed.files.map((f) => f.path);
    for (const want of [
      'bin/doorbell-agent.js',
      'bin/v8-flags.js',
      'dist/esm/cli.mjs',
      'circuits/parts.yaml',
      'circuits/examples/seed-final-12vac.yaml',
      `${TRACE}.jsonl`,
      'package.json',
      'README.md',
    ])
      expect(paths).toContain(want);
    expect(paths.filter((p) => /\.ts$|^(agent|simulator|test|bench|contrib|\.ci)\//.test(p))).toEqual([]);
    // Every chunk sits beside cli.mjs, two levels below the root like the sources (circuits/ is found the same way).
    expect(paths.filter((p) => p.startsWith('dist/') && !/^dist\/esm\/[^/]+\.mjs$/.test(p))).toEqual([]);
  });

  it('keeps run free of the WebAssembly ngspice: no module cli.mjs imports statically reaches eecircuit-engine', () => {
    const dir = join(REPO, 'dist', 'esm');
    const source = (file: string) => readFileSync(join(dir, file), 'utf8');
    // Whitespace is minified: `import{a as b}from"./chunk-X.mjs";` and `import"./chunk-Y.mjs";`, one after another.
    const staticImports = (file: string) =>
      [
        ...source(file).matchAll(/(?:^|[;\n])\s*(?:import|export)\s*(?:[^;"'`]*?\bfrom\s*)?"\.\/([^"]+)"/g),
      ].map((m) => m[1] as string);
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const next of staticImports(file)) visit(next);
    };
    visit('cli.mjs');
    expect(reached.size).toBeGreaterThan(1);
    const withEngine = readdirSync(dir).filter((f) => source(f).includes('eecircuit-engine'));
    expect(withEngine.length).toBeGreaterThan(0); // the engine is in the bundle, only not on run's path
    expect([...reached].filter((f) => withEngine.includes(f))).toEqual([]);
  });
});

describe('the installed package', () => {
  it('depends on what runs, not on esbuild, tsx, coap or other development tools', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(
      expect.arrayContaining(['better-sqlite3', 'eecircuit-engine']),
    );
    for (const name of DEV_ONLY) {
      expect(manifest.dependencies[name], name).toBeUndefined();
      expect(existsSync(join(pkg, '..', name)), `${name} installed`).toBe(false);
    }
    expect(existsSync(join(pkg, 'agent'))).toBe(false);
  });

  it('doorbell-agent --help lists every command', () => {
    const r = installed(['--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const command of ['run', 'replay', 'wiring', 'demo', 'emulate', 'status'])
      expect(r.stdout).toContain(command);
  });

  it('replays an example trace exactly as the development path does', async () => {
    const args = ['replay', '--config', `${TRACE}.yaml`, `${TRACE}.jsonl`];
    const fromPackage = installed(args.map((a, i) => (i === 0 || a.startsWith('-') ? a : join(pkg, a))));
    const fromSources = await runCli(args, { cwd: REPO });
    expect(fromPackage.status).toBe(0);
    expect(
      fromPackage.stdout
        .trim()
        .split('\n')
        .filter((l) => l.includes('"ring"')),
    ).toHaveLength(3);
    expect(fromPackage.stdout).toBe(fromSources.stdout);
    expect(fromPackage.stderr).toContain('3 rings');
    expect(existsSync(join(pkg, '.build'))).toBe(false);
  });

  it('finds its circuits and runs the WebAssembly ngspice from the bundle (wiring check)', () => {
    const r = installed([
      'wiring',
      'check',
      join(pkg, 'circuits', 'examples', 'seed-final-12vac.yaml'),
      '--json',
    ]);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { verdict: string; checks: unknown[] };
    expect(report.verdict).toBe('warn');
    expect(report.checks.length).toBeGreaterThan(0);
    expect(r.status).toBe(1);
  });
});
