import { describe, expect, it } from 'vitest';
import { highPeriods, readLogicalInput } from '../../../simulator/uni/input-model.ts';

const params = { highV: 1.2, samplePeriodS: 0.02, debounceSamples: 3, samplePhaseS: 0.005 };

function signal(stop: number, dt: number, f: (t: number) => number) {
  const time = Float64Array.from({ length: Math.round(stop / dt) + 1 }, (_, k) => k * dt);
  return { time, volts: time.map(f) };
}

describe('readLogicalInput', () => {
  it('turns a DC pulse into one debounced high period of the same length', () => {
    const { time, volts } = signal(3, 0.001, (t) => (t >= 0.5 && t < 2.5 ? 1.5 : 0));
    const highs = highPeriods(readLogicalInput(time, volts, params), 3);
    expect(highs).toHaveLength(1);
    expect(highs[0]![1] - highs[0]![0]).toBeCloseTo(2, 1);
    expect(highs[0]![0] - 0.5).toBeLessThanOrEqual(3 * params.samplePeriodS);
  });

  it('does not see a level below its threshold', () => {
    const { time, volts } = signal(3, 0.001, (t) => (t >= 0.5 && t < 2.5 ? 1.1 : 0));
    expect(readLogicalInput(time, volts, params)).toEqual([]);
  });

  it('reads AC differently depending on where the poll falls relative to the mains', () => {
    const { time, volts } = signal(3, 0.0002, (t) =>
      t >= 0.5 && t < 2.5 ? 34 * Math.sin(2 * Math.PI * 50 * t) : 0,
    );
    const outcomes = Array.from(
      { length: 8 },
      (_, k) => highPeriods(readLogicalInput(time, volts, { ...params, samplePhaseS: k * 0.0025 }), 3).length,
    );
    expect(outcomes).toContain(0);
    expect(outcomes).toContain(1);
  });
});
