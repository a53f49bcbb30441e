import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type PreparedEngine, prepareEngine } from './engine-patch.ts';

const PACKAGE = 'eecircuit-engine';

/** Where the prepared copy of the engine is: its module (`import()` it) and its WebAssembly. */
export interface PreparedEngineFiles {
  readonly module: string;
  readonly wasm: string;
}

/** The installed package's directory (its exports do not include package.json, so it is looked up by hand). */
export function enginePackageDir(): string | undefined {
  const paths = createRequire(import.meta.url).resolve.paths(PACKAGE) ?? [];
  return paths.map((dir) => join(dir, PACKAGE)).find((dir) => existsSync(join(dir, 'package.json')));
}

/**
 * The prepared copy of eecircuit-engine (engine-patch.ts), made on the first start after an install and kept
 * beside the package (node_modules/.cache/, like other tools' caches) or else in the user's cache directory.
 * Undefined when the package cannot be prepared (another version) or nowhere can be written: the caller then
 * loads the package as it is.
 */
export function preparedEngineFiles(): PreparedEngineFiles | undefined {
  try {
    const dir = enginePackageDir();
    if (!dir) return undefined;
    const { version, module: entry } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const source = join(dir, entry ?? 'dist/eecircuit-engine.mjs');
    // The version and the file's size name the copy: a reinstall of another build makes a new one.
    const name = `${PACKAGE}-${version}-${statSync(source).size}`;
    const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    const places = [join(dir, '..', '.cache', 'doorbell-agent'), join(xdg, 'doorbell-agent')];
    for (const place of places) {
      const files = { module: join(place, name, 'engine.mjs'), wasm: join(place, name, 'spice.wasm') };
      if (existsSync(files.module) && existsSync(files.wasm)) return files;
    }
    const prepared = prepareEngine(readFileSync(source, 'utf8'));
    if (!prepared) return undefined;
    for (const place of places) {
      if (write(join(place, name), prepared)) {
        return { module: join(place, name, 'engine.mjs'), wasm: join(place, name, 'spice.wasm') };
      }
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** Written into a directory of its own and renamed into place, so a concurrent start never sees half a copy. */
function write(target: string, prepared: PreparedEngine): boolean {
  const staging = `${target}.tmp-${process.pid}`;
  try {
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'spice.wasm'), prepared.wasm);
    writeFileSync(join(staging, 'engine.mjs'), prepared.module);
    renameSync(staging, target);
    return true;
  } catch {
    try {
      rmSync(staging, { recursive: true, force: true });
    } catch {}
    // Another process may have renamed its copy into place first.
    return existsSync(join(target, 'engine.mjs'));
  }
}
