import type { BatteryParams } from './types.ts';

/**
 * Open-circuit voltage and internal resistance of the whole pack at a state of charge (0 fresh … 1 end of life).
 * Alkaline closed-circuit voltage falls gradually with depth of discharge; a straight line between the sourced
 * fresh and end-of-life voltages is the (assumed) shape. States above 1 extrapolate into a dead cell.
 */
export function describeBattery(battery: BatteryParams, state: number): { volts: number; ohm: number } {
  const cellV = battery.freshV + (battery.endOfLifeV - battery.freshV) * state;
  const cellOhm =
    battery.freshOhm + (battery.endOfLifeOhm - battery.freshOhm) * Math.min(Math.max(state, 0), 1);
  return { volts: Math.max(0, cellV) * battery.cells, ohm: cellOhm * battery.cells };
}

/** Inverse of `describeBattery` for a measured pack voltage. */
export function stateFromVolts(battery: BatteryParams, volts: number): number {
  return (battery.freshV - volts / battery.cells) / (battery.freshV - battery.endOfLifeV);
}
