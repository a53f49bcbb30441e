import type { SpiceEngine } from '../spice/engine.ts';
import { getVector, rmsBetween, type UniformSignal, type Waveforms } from '../spice/waveform.ts';
import { type FirmwareReport, runFirmware } from '../uni/firmware.ts';
import { highPeriods, type LevelChange, readLogicalInput } from '../uni/input-model.ts';
import { type DoorbellLoopRun, poweredShare, runDoorbellLoop } from './doorbell-loop.ts';
import { idleIntervals, type PressPlan } from './press-plan.ts';
import { ratedCoilCurrent, simulateContact, typicalThresholds } from './relay.ts';
import { runSenseLoop } from './sense-loop.ts';
import type { Installation, Interval, OperatingPoint, PowerKitParams } from './types.ts';

/** Poll phases tried for each run: where the Uni's poll falls relative to the mains is not known. */
export const SAMPLE_PHASES = 8;

/** The coil's switch-on transient (L/R ≈ 8 ms) and the kit's trip (≈ 10 ms) are over by then. */
export const PRESS_SETTLE_S = 0.06;

/** What one operating point did, reduced to the numbers the checks need, plus the waveforms for a plot. */
export interface ScenarioResult {
  readonly point: OperatingPoint;
  readonly plan: PressPlan;
  /** The power kit hypothesis this run used (undefined: no kit). */
  readonly kit: PowerKitParams | undefined;
  /** Highest coil drive (fraction of rated, half-cycle RMS) while the doorbell is idle. */
  readonly idleDrive: number;
  /**
   * Steady coil drive over each press: RMS coil current once the switch-on transient has died out (from
   * `PRESS_SETTLE_S` after the press starts, or its second half if shorter), over the rated current.
   */
  readonly pressDrives: readonly number[];
  /** The lowest of `pressDrives`. */
  readonly pressDrive: number;
  /** Lowest RMS current in the doorbell loop over the presses' steady part (what the kit has to notice). */
  readonly pressLoopA: number;
  /** Bypass kit only: lowest share of a press's steady part during which it was open (1 = all of it). */
  readonly kitOpen: number | undefined;
  readonly contact: readonly Interval[];
  /** RMS at the Uni's supply terminals while the doorbell is idle: lowest and highest idle stretch. */
  readonly supplyVrms: { readonly min: number; readonly max: number };
  /** RMS across the doorbell's terminals while it is idle: lowest and highest idle stretch. */
  readonly doorbellVrms: { readonly min: number; readonly max: number };
  /** Lowest share of its power the doorbell's electronics had while idle (1 running, 0 dropped out). */
  readonly doorbellPowered: number;
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
  /** The exact netlists ngspice ran for this point (for `--netlist DIR`). */
  readonly netlists: { readonly doorbell: string; readonly sense: string };
}

/** Doorbell-loop runs depend only on supply and frequency: sweeps share them across battery states. */
export type DoorbellRunCache = Map<string, Promise<DoorbellLoopRun>>;

export async function runScenario(
  engine: SpiceEngine,
  inst: Installation,
  point: OperatingPoint,
  plan: PressPlan,
  cache: DoorbellRunCache = new Map(),
  kit: PowerKitParams | undefined = inst.powerKit,
): Promise<ScenarioResult> {
  const key = `${point.vac}|${point.hz}|${plan.presses.join(';')}|${kit?.name ?? 'none'}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = runDoorbellLoop(engine, inst, point, plan, kit);
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
  const w = bell.waves;
  // The first 0.1 s settle the doorbell's rail and the kit's sensing from their initial conditions.
  const bellIdle = idleIntervals(plan, guardS, 0.1);
  const vBell = difference(getVector(w, 'v(bt)'), getVector(w, 'v(bell)'));
  const spread = (values: Float64Array) => {
    const rms = bellIdle.map(([a, b]) => cycleRms(w.time, values, a, b, point.hz));
    return { min: Math.min(...rms), max: Math.max(...rms) };
  };
  const rated = ratedCoilCurrent(inst.relay, point.hz);
  const iCoil = getVector(w, 'i(lcoil)');
  const steady = plan.presses.map(([a, b]): Interval => [a + Math.min(PRESS_SETTLE_S, (b - a) / 2), b]);
  const pressDrives = steady.map(([a, b]) => rmsBetween(w.time, iCoil, a, b) / rated);
  const cableV = difference(getVector(w, 'v(sec)'), getVector(w, 'v(bt)'));
  const cableOhm = Math.max(inst.cableOhm, 1e-3);
  const kitState = kit?.kind === 'bypass' ? getVector(w, 'v(kst)') : undefined;
  const powered = difference(getVector(w, 'v(dcp)'), getVector(w, 'v(dcn)')).map((v) =>
    poweredShare(v, inst.doorbell.dropoutVac),
  );
  return {
    point,
    plan,
    kit,
    idleDrive: Math.max(...idle.map(([a, b]) => maxBetween(bell.drive, a, b))),
    pressDrives,
    pressDrive: Math.min(...pressDrives),
    pressLoopA: Math.min(...steady.map(([a, b]) => rmsBetween(w.time, cableV, a, b) / cableOhm)),
    kitOpen: kitState && Math.min(...steady.map(([a, b]) => meanBetween(w.time, kitState, a, b))),
    contact,
    supplyVrms: spread(getVector(w, 'v(sec)')),
    doorbellVrms: spread(vBell),
    doorbellPowered: Math.min(...bellIdle.map(([a, b]) => minBetween(w.time, powered, a, b))),
    inputOnV:
      contact.length === 0
        ? undefined
        : Math.min(...contact.map(([a, b]) => inputLevel(sense.waves.time, vIn, a, b, isAc))),
    inputIdleV: Math.max(...idle.map(([a, b]) => maxAbsBetween(sense.waves.time, vIn, a, b))),
    fieldHighs: highsAt(inst.uni.fieldHighV),
    documentedHighs: highsAt(inst.uni.documentedDcHighV),
    reports: runFirmware(logical, { longpushS: inst.uni.longpushS, eventLifetimeS: inst.uni.eventLifetimeS }),
    traces: {
      doorbell: bell.waves,
      drive: bell.drive,
      sense: sense.waves,
      logical,
      netlists: { doorbell: bell.netlist, sense: sense.netlist },
    },
  };
}

function maxBetween(signal: UniformSignal, from: number, to: number): number {
  let max = 0;
  const first = Math.max(0, Math.ceil((from - signal.t0) / signal.dt));
  const last = Math.min(signal.values.length - 1, Math.floor((to - signal.t0) / signal.dt));
  for (let k = first; k <= last; k++) max = Math.max(max, signal.values[k]!);
  return max;
}

function minBetween(time: Float64Array, values: Float64Array, from: number, to: number): number {
  let min = Infinity;
  for (let i = 0; i < time.length; i++)
    if (time[i]! >= from && time[i]! <= to) min = Math.min(min, values[i]!);
  return Number.isFinite(min) ? min : 0;
}

function meanBetween(time: Float64Array, values: Float64Array, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < time.length; i++) {
    if (time[i]! >= from && time[i]! <= to) {
      sum += values[i]!;
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

function difference(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v - b[i]!);
}

/** RMS over the whole mains cycles that fit in [from, to] (the last `to` if less than one cycle fits). */
function cycleRms(time: Float64Array, values: Float64Array, from: number, to: number, hz: number): number {
  const cycles = Math.floor((to - from) * hz);
  return rmsBetween(time, values, from, cycles > 0 ? from + cycles / hz : to);
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
