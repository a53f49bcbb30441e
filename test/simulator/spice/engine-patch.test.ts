import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSpiceEngine } from '../../../simulator/spice/engine.ts';
import { enginePackageDir, preparedEngineFiles } from '../../../simulator/spice/engine-cache.ts';
import { prepareEngine } from '../../../simulator/spice/engine-patch.ts';

const source = readFileSync(join(enginePackageDir()!, 'dist', 'eecircuit-engine.mjs'), 'utf8');

describe('the prepared copy of eecircuit-engine (fast start)', () => {
  // If this fails after an upgrade of eecircuit-engine, the check still runs, on the package as it is (slower).
  it('applies to the installed version: every edit found, the WebAssembly taken out', () => {
    const prepared = prepareEngine(source);
    expect(prepared).toBeDefined();
    expect(prepared!.module).not.toContain('base64,AGFzbQ');
    expect(prepared!.module.length).toBeLessThan(source.length / 4);
    expect(prepared!.module).toContain('instantiateWasm: (imports, done)');
    expect(prepared!.module).toContain('new TextEncoder().encode(e)');
    expect(prepared!.module.split('this.results = i(this.dataRaw)').length).toBe(2);
    expect(WebAssembly.validate(prepared!.wasm)).toBe(true);
  });

  it('leaves a package it does not recognise alone', () => {
    expect(prepareEngine('export class Simulation {}')).toBeUndefined();
    expect(prepareEngine(source.replace('noInitialRun: !0,', 'noInitialRun: true,'))).toBeUndefined();
  });

  it('is what the engine starts from, and it runs', async () => {
    expect(preparedEngineFiles()).toBeDefined();
    const engine = await getSpiceEngine();
    expect(engine.from).toBe('prepared');
    const waves = await engine.run('rc\nV1 a 0 1\nR1 a b 1k\nC1 b 0 1u\n.tran 10u 2m 0 10u\n.end\n');
    expect(waves.time.length).toBeGreaterThan(100);
  });
});
