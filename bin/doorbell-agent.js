#!/usr/bin/env node
// Runs the TypeScript sources without a separate build step: the first start (and any start after a source
// changed) bundles agent/cli.ts with esbuild into .build/, later starts import that bundle directly. Where
// .build/ cannot be written, tsx compiles in memory instead (slower start, more memory).
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Two levels below the root, like every source file, so `new URL('../../circuits/', import.meta.url)` holds.
const bundle = `${root}.build/cli/cli.mjs`;

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return ['agent', 'simulator'].every((dir) => newestSourceMs(`${root}${dir}`) <= built);
  } catch {
    return false;
  }
}

async function load() {
  if (isFresh()) return import(bundle);
  try {
    const { buildSync } = await import('esbuild');
    mkdirSync(`${root}.build/cli`, { recursive: true });
    const temporary = `${bundle}.${process.pid}.tmp`;
    buildSync({
      entryPoints: [`${root}agent/cli.ts`],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: temporary,
      logLevel: 'error',
    });
    renameSync(temporary, bundle);
    return import(bundle);
  } catch {
    const { register } = await import('tsx/esm/api');
    register();
    return import('../agent/cli.ts');
  }
}

const { main } = await load();
process.exitCode = await main(process.argv.slice(2));
