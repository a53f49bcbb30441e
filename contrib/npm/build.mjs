#!/usr/bin/env node
// `npm pack`'s prepack step: compiles the TypeScript sources into plain JavaScript under dist/esm/, so an
// installed package needs neither esbuild nor tsx. The layout mirrors what bin/doorbell-agent.js builds into
// .build/ on the development path:
// - the same esbuild options (bin/bundle-options.js): code splitting, agent/cli.ts the entry, each command in a
//   chunk it imports on demand, so `run` never loads the simulator's WebAssembly ngspice
//   (test/contrib/npm-package.test.ts checks the static import graph); npm packages bundled, except
//   better-sqlite3 and eecircuit-engine (installed beside it: they are the package's dependencies);
// - every file (entry and chunks) two levels below the package root like every source file, so `new URL('../../circuits/', import.meta.url)`
//   finds the shipped circuits/ data from the bundle as it does from the sources;
// The new bundle is written beside the old one and swapped in, so a half-written dist/ is never seen.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { bundleOptions } from '../../bin/bundle-options.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const staging = `${root}dist.tmp-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
buildSync({
  ...bundleOptions,
  entryPoints: { cli: `${root}agent/cli.ts` },
  target: 'node22',
  outdir: `${staging}/esm`,
  legalComments: 'none',
});
const old = `${root}dist.old-${process.pid}`;
if (existsSync(`${root}dist`)) renameSync(`${root}dist`, old);
renameSync(staging, `${root}dist`);
rmSync(old, { recursive: true, force: true });
console.error(`doorbell-agent: built ${root}dist/esm/cli.mjs`);
