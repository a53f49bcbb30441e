import { describe, expect, it } from 'vitest';
import {
  loopConsumptionMahPerYear,
  loopCurrentMa,
  yearsOfLoopLife,
} from '../../../simulator/circuit/loop-consumption.ts';

describe('loop consumption', () => {
  it("reproduces the seed's estimate: 5 presses a day of 2 s at ~1 mA is about 1 mAh a year", () => {
    expect(loopConsumptionMahPerYear({ pressesPerDay: 5, holdS: 2, loopMa: 1 })).toBeCloseTo(1.01, 2);
  });

  it('scales with presses, hold time and current', () => {
    expect(loopConsumptionMahPerYear({ pressesPerDay: 10, holdS: 5, loopMa: 2 })).toBeCloseTo(1.01 * 10, 1);
  });

  it('gives the seed\'s "about a thousand years" for a 1000 mAh AAA without self-discharge, far less with it', () => {
    const use = { pressesPerDay: 5, holdS: 2, loopMa: 1 };
    expect(yearsOfLoopLife(1000, use)).toBeGreaterThan(900);
    expect(yearsOfLoopLife(1000, use, 0.03)).toBeLessThan(40);
  });

  it('computes the loop current from cell and input resistance', () => {
    expect(loopCurrentMa(1.5, 1500)).toBeCloseTo(1, 6);
  });
});
