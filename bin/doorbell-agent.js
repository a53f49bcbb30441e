#!/usr/bin/env node
// Two ways to start, one bundle layout:
// - an installed package (`npm install -g doorbell-agent-*.tgz`) ships no TypeScript, only the JavaScript that
//   `npm pack` compiled into dist/esm/ (contrib/npm/build.mjs): it is imported as it is, no esbuild or tsx needed;
// - a clone (`npm ci && npx doorbell-agent`) has the sources and the dev dependencies, and runs the sources
//   without a separate build step: the first start (and any start after a source changed) bundles agent/cli.ts
//   with esbuild into .build/, later starts import that bundle directly. Where .build/ cannot be written, tsx
//   compiles in memory instead (slower start, more memory). A dist/ left in a clone by `npm pack` is not used.
// Both split the code so each command's heavy dependencies (the simulator's WebAssembly ngspice) stay out of the
// others, with the same options (bin/bundle-options.js).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setV8FlagsFor } from './v8-flags.js';

const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
setV8FlagsFor(command);

const root = fileURLToPath(new URL('..', import.meta.url));
const buildDir = `${root}.build`;
// Names the current bundle directory; replaced atomically, so concurrent starts never see half a bundle.
const pointer = `${buildDir}/current`;

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * What the bundle is made of besides the sources: the npm packages bundled into it (npm rewrites
 * node_modules/.package-lock.json on every install) and the bundle's options.
 */
const otherInputs = ['node_modules/.package-lock.json', 'package-lock.json', 'bin/bundle-options.js'];

function freshBundle() {
  try {
    const built = statSync(pointer).mtimeMs;
    if (!['agent', 'simulator'].every((dir) => newestSourceMs(`${root}${dir}`) <= built)) return null;
    const changed = (file) => (statSync(`${root}${file}`, { throwIfNoEntry: false })?.mtimeMs ?? 0) > built;
    if (otherInputs.some(changed)) return null;
    return `${buildDir}/${readFileSync(pointer, 'utf8').trim()}/cli.mjs`;
  } catch {
    return null;
  }
}

async function build() {
  const [{ buildSync }, { bundleOptions }] = await Promise.all([
    import('esbuild'),
    import('./bundle-options.js'),
  ]);
  // One level below .build/, i.e. two below the root like every source file, so that
  // `new URL('../../circuits/', import.meta.url)` means the same in the bundle as in the sources.
  const name = `b${process.pid}-${Date.now()}`;
  mkdirSync(`${buildDir}/${name}`, { recursive: true });
  buildSync({
    ...bundleOptions,
    entryPoints: { cli: `${root}agent/cli.ts` },
    target: 'node20',
    outdir: `${buildDir}/${name}`,
  });
  writeFileSync(`${pointer}.${name}`, name);
  renameSync(`${pointer}.${name}`, pointer);
  for (const entry of readdirSync(buildDir)) {
    if (entry.startsWith('b') && entry !== name) {
      try {
        if (Date.now() - statSync(`${buildDir}/${entry}`).mtimeMs > 60_000)
          rmSync(`${buildDir}/${entry}`, { recursive: true });
      } catch {}
    }
  }
  return `${buildDir}/${name}/cli.mjs`;
}

async function load() {
  if (!existsSync(`${root}agent/cli.ts`)) return import('../dist/esm/cli.mjs');
  const bundle = freshBundle();
  if (bundle) return import(pathToFileURL(bundle).href);
  try {
    return await import(pathToFileURL(await build()).href);
  } catch {
    const { register } = await import('tsx/esm/api');
    register();
    return import('../agent/cli.ts');
  }
}

// A reader that went away (`doorbell-agent --help | head -1`) ends the program quietly, with the exit code it had,
// as SIGPIPE ends a C program; Node ignores SIGPIPE, and the write error would otherwise crash with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

const { main } = await load();
process.exitCode = await main(process.argv.slice(2));
