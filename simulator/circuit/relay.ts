import type { UniformSignal } from '../spice/waveform.ts';
import type { Interval, RelayParams } from './types.ts';

/** Fraction of rated coil drive at which the armature pulls in and drops out (typical or guaranteed). */
export interface RelayThresholds {
  readonly operateFrac: number;
  readonly releaseFrac: number;
}

export function typicalThresholds(relay: RelayParams): RelayThresholds {
  return { operateFrac: relay.typicalOperateFrac, releaseFrac: relay.typicalReleaseFrac };
}

/**
 * Current the coil draws at its rated voltage: an AC coil at the mains frequency (|Z| scaled from the rated
 * impedance), a DC coil through its resistance. Drive = RMS coil current / this (heating and pull both go with it).
 */
export function ratedCoilCurrent(relay: RelayParams, hz: number): number {
  return relay.coilKind === 'dc' ? relay.coilV / relay.coilOhm : relay.coilV / coilImpedance(relay, hz);
}

/** Inductance that gives the rated |Z| at 50 Hz with the coil's resistance. */
export function coilInductance(relay: RelayParams): number {
  const reactance = Math.sqrt(Math.max(relay.coilImpedanceOhm ** 2 - relay.coilOhm ** 2, 1e-6));
  return reactance / (2 * Math.PI * 50);
}

export function coilImpedance(relay: RelayParams, hz: number): number {
  return Math.hypot(relay.coilOhm, 2 * Math.PI * hz * coilInductance(relay));
}

/**
 * The armature as a state machine over the coil's drive (half-cycle RMS current / rated current). ngspice has no
 * relay; the coil is electrical and simulated there, the armature is mechanical and lives here:
 * - open → closed once the drive has stayed at or above `operateFrac` for the operate time;
 * - closed → open once it has stayed at or below `releaseFrac` for the release time;
 * - in between it keeps its state, which is how a coil carrying standby current "hangs".
 * The contact has no electrical path back to the coil circuit (separate loop), so the post-pass loses nothing.
 */
export function simulateContact(
  drive: UniformSignal,
  thresholds: RelayThresholds,
  relay: Pick<RelayParams, 'operateS' | 'releaseS'>,
): Interval[] {
  const closed: Interval[] = [];
  let isClosed = false;
  let since: number | undefined;
  let closedAt = 0;
  const n = drive.values.length;
  for (let k = 0; k < n; k++) {
    const t = drive.t0 + k * drive.dt;
    const frac = drive.values[k]!;
    const pulling = isClosed ? frac <= thresholds.releaseFrac : frac >= thresholds.operateFrac;
    if (!pulling) {
      since = undefined;
      continue;
    }
    since ??= t;
    if (t - since < (isClosed ? relay.releaseS : relay.operateS)) continue;
    if (isClosed) closed.push([closedAt, t]);
    else closedAt = t;
    isClosed = !isClosed;
    since = undefined;
  }
  if (isClosed) closed.push([closedAt, drive.t0 + (n - 1) * drive.dt]);
  return closed;
}
