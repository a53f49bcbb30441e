import { describe, expect, it } from 'vitest';
import { coilImpedance, ratedCoilCurrent, simulateContact } from '../../../simulator/circuit/relay.ts';
import type { UniformSignal } from '../../../simulator/spice/waveform.ts';
import { makeInstallation } from '../installation-fixture.ts';

/** A drive signal (fraction of rated) made of constant segments [untilS, value]. */
function drive(segments: [number, number][], dt = 0.001): UniformSignal {
  const end = segments[segments.length - 1]![0];
  const values = Float64Array.from({ length: Math.round(end / dt) + 1 }, (_, k) => {
    const t = k * dt;
    return segments.find(([until]) => t <= until)![1];
  });
  return { t0: 0, dt, values };
}

const thresholds = { operateFrac: 0.4, releaseFrac: 0.25 };
const timing = { operateS: 0.02, releaseS: 0.02 };

describe('simulateContact', () => {
  it('closes after the operate time above pull-in and opens after the release time below drop-out', () => {
    const closed = simulateContact(
      drive([
        [0.3, 0.01],
        [1.3, 0.5],
        [2, 0.01],
      ]),
      thresholds,
      timing,
    );
    expect(closed).toHaveLength(1);
    expect(closed[0]![0]).toBeCloseTo(0.321, 2);
    expect(closed[0]![1]).toBeCloseTo(1.321, 2);
  });

  it('ignores a pulse shorter than the operate time', () => {
    expect(
      simulateContact(
        drive([
          [0.3, 0],
          [0.31, 0.9],
          [1, 0],
        ]),
        thresholds,
        timing,
      ),
    ).toEqual([]);
  });

  it('hangs between drop-out and pull-in: stays closed if it was closed, open if it was open', () => {
    expect(simulateContact(drive([[1, 0.3]]), thresholds, timing)).toEqual([]);
    const closed = simulateContact(
      drive([
        [0.3, 0.5],
        [2, 0.3],
      ]),
      thresholds,
      timing,
    );
    expect(closed).toHaveLength(1);
    expect(closed[0]![1]).toBeCloseTo(2, 2);
  });
});

describe('coil model', () => {
  it('matches the rated 324 ohm / 74 mA at 50 Hz', async () => {
    const { relay } = await makeInstallation();
    expect(coilImpedance(relay, 50)).toBeCloseTo(324, 3);
    expect(ratedCoilCurrent(relay, 50)).toBeCloseTo(0.074, 3);
    expect(coilImpedance(relay, 60)).toBeGreaterThan(324);
  });
});
