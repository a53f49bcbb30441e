import { describe, expect, it } from 'vitest';
import { getSpiceEngine, SpiceError } from '../../../simulator/spice/engine.ts';
import { getVector, sampleAt } from '../../../simulator/spice/waveform.ts';

const RC = `rc step
V1 a 0 PULSE(0 1 0 1u 1u 1 2)
R1 a b 1k
C1 b 0 1u
.options reltol=1e-3
.tran 10u 5m 0 10u
.end
`;

describe('SpiceEngine (ngspice WebAssembly)', () => {
  it('runs a transient and returns typed, named waveforms', async () => {
    const engine = await getSpiceEngine();
    const waves = await engine.run(RC);
    expect(waves.time).toBeInstanceOf(Float64Array);
    const vb = getVector(waves, 'v(b)');
    // RC = 1 ms: 1 - e^-1 after one time constant.
    expect(sampleAt(waves.time, vb, 1e-3)).toBeCloseTo(1 - Math.exp(-1), 2);
    expect(sampleAt(waves.time, vb, 5e-3)).toBeCloseTo(1 - Math.exp(-5), 2);
  });

  it('is started once and shared', async () => {
    expect(await getSpiceEngine()).toBe(await getSpiceEngine());
  });

  it('reports a rejected netlist with ngspice words and the offending line, then keeps working', async () => {
    const engine = await getSpiceEngine();
    const bad = 'bad part\nR1 a 0 1k\nV1 a 0 1\nQ9 x y z nosuchmodel\n.tran 1m 10m\n.end\n';
    const error = await engine.run(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpiceError);
    expect((error as SpiceError).spiceMessage).toMatch(/model/i);
    expect((error as SpiceError).netlistLine).toBe('Q9 x y z nosuchmodel');
    expect((error as SpiceError).lineNumber).toBe(4);
    expect((await engine.run(RC)).time.length).toBeGreaterThan(100);
  });

  it('rejects a netlist without an analysis instead of returning nothing', async () => {
    const engine = await getSpiceEngine();
    await expect(engine.run('no job\nR1 a 0 1k\nV1 a 0 1\n.end\n')).rejects.toBeInstanceOf(SpiceError);
  });

  it('queues concurrent runs (ngspice is single-threaded)', async () => {
    const engine = await getSpiceEngine();
    const runs = await Promise.all([engine.run(RC), engine.run(RC.replace('1k', '2k')), engine.run(RC)]);
    const at1ms = runs.map((w) => sampleAt(w.time, getVector(w, 'v(b)'), 1e-3));
    expect(at1ms[0]).toBeCloseTo(at1ms[2]!, 6);
    expect(at1ms[1]).toBeCloseTo(1 - Math.exp(-0.5), 2);
  });
});
