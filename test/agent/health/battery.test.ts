import { describe, expect, it } from 'vitest';
import { chargeAtVolts, voltsAtCharge } from '../../../agent/health/battery-chemistry.ts';
import {
  type BatterySpec,
  MS_PER_YEAR,
  modelEstimate,
  pressChargeMah,
} from '../../../agent/health/battery-model.ts';
import { loopConsumptionMahPerYear, yearsOfLoopLife } from '../../../simulator/circuit/loop-consumption.ts';
import { Bench, DEVICE, UniCoiot } from './harness.ts';

const DAY_MS = 24 * 3600 * 1000;
const seedUse = { pressesPerDay: 5, holdS: 2, loopMa: 1 };

describe('battery model', () => {
  it('the curve and its inverse agree', () => {
    for (const chemistry of ['alkaline', 'lithium_fes2', 'nimh'] as const) {
      for (let c = 0; c <= 1.0001; c += 0.05) {
        expect(chargeAtVolts(chemistry, voltsAtCharge(chemistry, c))).toBeCloseTo(c, 6);
      }
    }
    expect(voltsAtCharge('alkaline', 1)).toBe(1.58);
  });

  it("counts presses like the simulator's loop consumption and the seed's ≈1 mAh/yr, within 10 %", () => {
    // A year of the seed's use, press by press, as the agent counts it.
    let counted = 0;
    for (let day = 0; day < 365; day++)
      for (let p = 0; p < seedUse.pressesPerDay; p++)
        counted += pressChargeMah(seedUse.holdS, seedUse.loopMa);
    const simulator = loopConsumptionMahPerYear(seedUse);
    expect(Math.abs(counted - simulator) / simulator).toBeLessThan(0.1);
    expect(Math.abs(counted - 1) / 1).toBeLessThan(0.1);
  });

  it('through the whole agent: a year of electronic 2 s presses over CoIoT takes ≈1 mAh from the cell', () => {
    const bench = new Bench({
      devices: [
        {
          id: DEVICE,
          chime: { mode: 'electronic', duration_s: 2 },
          battery: { installed: '1970-01-01', capacity_mah: 1000, loop_ma: 1 },
        },
      ],
      health: { missed_max: 1000 },
    });
    const uni = new UniCoiot();
    // 5 presses a day for 73 days (365 presses = 1/5 year of use); the model is linear in presses.
    for (let day = 0; day < 73; day++) {
      for (let p = 0; p < 5; p++) {
        const t = day * DAY_MS + (p + 1) * 3600_000;
        bench.coiot(t, uni.change({ level: true }));
        bench.coiot(t + 2000, uni.change({ level: false }));
        bench.coiot(t + 2050, uni.change({ count: uni.count + 1, event: 'L' }));
      }
    }
    const snapshot = bench.health.monitor?.snapshot(bench.clockMs)[0];
    expect(snapshot?.presses).toBe(365);
    const perYear = (snapshot?.pressMah ?? 0) * 5;
    expect(
      Math.abs(perYear - loopConsumptionMahPerYear(seedUse)) / loopConsumptionMahPerYear(seedUse),
    ).toBeLessThan(0.1);
  });

  it('adds self-discharge by chemistry and dates the drop below the input threshold', () => {
    const spec: BatterySpec = {
      chemistry: 'alkaline',
      cells: 1,
      capacityMah: 1000,
      installedMs: 0,
      adc: false,
      loopMa: 1,
      warnBelow: 0.2,
      thresholdV: 1.2,
    };
    const oneYear = modelEstimate(spec, 1, MS_PER_YEAR);
    // 3 %/yr self-discharge + 1 mAh of presses out of 1000 mAh.
    expect(oneYear?.ratio).toBeCloseTo(1 - 0.031, 6);
    // The simulator's life for the same use and self-discharge (to the end point) bounds the threshold date.
    const lifeYears = yearsOfLoopLife(1000, seedUse, 0.03);
    const thresholdYears = ((oneYear?.thresholdDateMs ?? 0) - 0) / MS_PER_YEAR;
    expect(thresholdYears).toBeGreaterThan(1);
    expect(thresholdYears).toBeLessThan(lifeYears);
    // At the threshold date the model's voltage is the threshold.
    const atThreshold = modelEstimate(spec, thresholdYears * 1, (oneYear?.thresholdDateMs ?? 0) + 1);
    expect(atThreshold?.volts).toBeCloseTo(1.2, 2);
    expect(modelEstimate({ ...spec, installedMs: null }, 0, 0)).toBeNull();
  });

  it('raises battery_low ahead of the threshold date, and past the shelf life, with the model basis', () => {
    const installed = '2020-01-01';
    const bench = new Bench({ devices: [{ id: DEVICE, battery: { installed, threshold_v: 1.35 } }] });
    bench.health.tick(Date.parse('2029-06-01T00:00:00Z'));
    expect(bench.events.find((e) => e.type === 'battery')).toMatchObject({
      percent: 72,
      volts: null,
      basis: 'model',
    });
    expect(bench.problems('battery_low')).toEqual([]);
    // 3 %/yr: 1.35 V (≈ 70 % on the alkaline curve) is reached around the end of 2029; warn 60 days ahead.
    bench.health.tick(Date.parse('2029-11-15T00:00:00Z'));
    expect(bench.problems('battery_low')[0]?.detail).toMatch(
      /model: battery \(70 %\) falls below the input threshold 1.35 V around 2029-12/,
    );

    const aged = new Bench({ devices: [{ id: DEVICE, battery: { installed } }] });
    aged.health.tick(Date.parse('2030-01-02T00:00:00Z'));
    expect(aged.problems('battery_low')[0]?.detail).toMatch(/past the shelf life of alkaline/);
  });
});
