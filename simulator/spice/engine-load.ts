import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Simulation } from 'eecircuit-engine';
import { preparedEngineFiles } from './engine-cache.ts';

export interface LoadedEngine {
  readonly Simulation: typeof Simulation;
  /** `prepared`: the copy engine-patch.ts derives (fast start); `package`: eecircuit-engine as it is. */
  readonly from: 'prepared' | 'package';
}

interface PreparedModule {
  readonly Simulation: typeof Simulation;
  setSpiceWasm(compiled: Promise<WebAssembly.Module>): void;
}

/**
 * ngspice's module, with its WebAssembly compiling (on V8's background threads) while the 4 MB of JavaScript
 * around it is parsed. Falls back to the package as it is if the prepared copy cannot be made or loaded.
 */
export async function loadEngine(): Promise<LoadedEngine> {
  const files = preparedEngineFiles();
  if (files) {
    try {
      const compiled = readFile(files.wasm).then((bytes) => WebAssembly.compile(bytes));
      compiled.catch(() => undefined);
      const [module] = await Promise.all([
        import(pathToFileURL(files.module).href) as Promise<PreparedModule>,
        compiled,
      ]);
      module.setSpiceWasm(compiled);
      return { Simulation: module.Simulation, from: 'prepared' };
    } catch {}
  }
  const { Simulation } = await import('eecircuit-engine');
  return { Simulation, from: 'package' };
}
