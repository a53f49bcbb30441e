import type { SpiceEngine } from '../spice/engine.ts';
import { getVector, rmsBetween, type UniformSignal, type Waveforms } from '../spice/waveform.ts';
import { type FirmwareReport, runFirmware } from '../uni/firmware.ts';
import { highPeriods, type LevelChange, readLogicalInput } from '../uni/input-model.ts';
import { type DoorbellLoopRun, runDoorbellLoop } from './doorbell-loop.ts';
import { idleIntervals, type PressPlan } from './press-plan.ts';
import { simulateContact, typicalThresholds } from './relay.ts';
import { runSenseLoop } from './sense-loop.ts';
import type { Installation, Interval, OperatingPoint } from './types.ts';

/** Poll phases tried for each run: where the Uni's poll falls relative to the mains is not known. */
export const SAMPLE_PHASES = 8;

/** What one operating point did, reduced to the numbers the checks need, plus the waveforms for a plot. */
export interface ScenarioResult {
  readonly point: OperatingPoint;
  readonly plan: PressPlan;
  /** Highest coil drive (fraction of rated) while the doorbell is idle. */
  readonly idleDrive: number;
  /** Lowest, over the presses, of the highest coil drive reached during each press. */
  readonly pressDrive: number;
  readonly contact: readonly Interval[];
  readonly supplyVrms: number;
  /** Lowest DC voltage (or AC RMS) at IN_1 while the contact is closed; undefined if it never closed. */
  readonly inputOnV: number | undefined;
  /** Highest |voltage| at IN_1 while the doorbell is idle (outside presses and their release). */
  readonly inputIdleV: number;
  /** Logical high periods seen with the field threshold, one list per poll phase. */
  readonly fieldHighs: readonly (readonly [number, number][])[];
  /** The same with the documented DC threshold. */
  readonly documentedHighs: readonly (readonly [number, number][])[];
  readonly reports: readonly FirmwareReport[];
  readonly traces: ScenarioTraces;
}

export interface ScenarioTraces {
  readonly doorbell: Waveforms;
  readonly drive: UniformSignal;
  readonly sense: Waveforms;
  readonly logical: readonly LevelChange[];
}

/** Doorbell-loop runs depend only on supply and frequency: sweeps share them across battery states. */
export type DoorbellRunCache = Map<string, Promise<DoorbellLoopRun>>;

export async function runScenario(
  engine: SpiceEngine,
  inst: Installation,
  point: OperatingPoint,
  plan: PressPlan,
  cache: DoorbellRunCache = new Map(),
): Promise<ScenarioResult> {
  const key = `${point.vac}|${point.hz}|${plan.presses.join(';')}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = runDoorbellLoop(engine, inst, point, plan);
    cache.set(key, pending);
  }
  const bell = await pending;
  const contact = simulateContact(bell.drive, typicalThresholds(inst.relay), inst.relay);
  const sense = await runSenseLoop(engine, inst, point, contact, plan.stopS);
  const vIn = getVector(sense.waves, 'v(in1)');
  const guardS = inst.relay.releaseS + 3 / point.hz + 0.1;
  const idle = idleIntervals(plan, guardS);
  const isAc = inst.loop.source === 'ac';
  const phaseStep = inst.uni.samplePeriodS / SAMPLE_PHASES;
  const highsAt = (highV: number) =>
    Array.from({ length: SAMPLE_PHASES }, (_, k) =>
      highPeriods(
        readLogicalInput(sense.waves.time, vIn, { ...inst.uni, highV, samplePhaseS: k * phaseStep }),
        plan.stopS,
      ),
    );
  const logical = readLogicalInput(sense.waves.time, vIn, {
    ...inst.uni,
    highV: inst.uni.fieldHighV,
    samplePhaseS: 0,
  });
  return {
    point,
    plan,
    idleDrive: Math.max(...idle.map(([a, b]) => maxBetween(bell.drive, a, b))),
    pressDrive: Math.min(...plan.presses.map(([a, b]) => maxBetween(bell.drive, a, b + 1 / point.hz))),
    contact,
    supplyVrms: rmsBetween(bell.waves.time, getVector(bell.waves, 'v(sec)'), idle[0]![0], idle[0]![1]),
    inputOnV:
      contact.length === 0
        ? undefined
        : Math.min(...contact.map(([a, b]) => inputLevel(sense.waves.time, vIn, a, b, isAc))),
    inputIdleV: Math.max(...idle.map(([a, b]) => maxAbsBetween(sense.waves.time, vIn, a, b))),
    fieldHighs: highsAt(inst.uni.fieldHighV),
    documentedHighs: highsAt(inst.uni.documentedDcHighV),
    reports: runFirmware(logical, { longpushS: inst.uni.longpushS, eventLifetimeS: inst.uni.eventLifetimeS }),
    traces: { doorbell: bell.waves, drive: bell.drive, sense: sense.waves, logical },
  };
}

function maxBetween(signal: UniformSignal, from: number, to: number): number {
  let max = 0;
  const first = Math.max(0, Math.ceil((from - signal.t0) / signal.dt));
  const last = Math.min(signal.values.length - 1, Math.floor((to - signal.t0) / signal.dt));
  for (let k = first; k <= last; k++) max = Math.max(max, signal.values[k]!);
  return max;
}

function maxAbsBetween(time: Float64Array, values: Float64Array, from: number, to: number): number {
  let max = 0;
  for (let i = 0; i < time.length; i++)
    if (time[i]! >= from && time[i]! <= to) max = Math.max(max, Math.abs(values[i]!));
  return max;
}

/** DC: the lowest voltage once the contact has settled; AC: the RMS over the closure. */
function inputLevel(
  time: Float64Array,
  values: Float64Array,
  from: number,
  to: number,
  isAc: boolean,
): number {
  if (isAc) return rmsBetween(time, values, from, to);
  let min = Infinity;
  for (let i = 0; i < time.length; i++) {
    if (time[i]! >= from + 0.002 && time[i]! <= to - 0.002) min = Math.min(min, values[i]!);
  }
  return Number.isFinite(min) ? min : 0;
}
