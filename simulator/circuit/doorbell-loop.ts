import type { SpiceEngine } from '../spice/engine.ts';
import { formatStepPwl, renderNetlist } from '../spice/netlist.ts';
import {
  getVector,
  resampleUniform,
  slidingRms,
  type UniformSignal,
  type Waveforms,
} from '../spice/waveform.ts';
import type { PressPlan } from './press-plan.ts';
import { coilInductance, ratedCoilCurrent } from './relay.ts';
import { loadTemplate } from './templates.ts';
import type { Installation, OperatingPoint, PowerKitParams } from './types.ts';

/** Samples per mains cycle of the coil drive (and the AC sense loop's step): enough for a clean RMS. */
export const STEPS_PER_CYCLE = 40;
/**
 * The doorbell loop's largest time step, per mains cycle: ngspice adds points where the bridge and the kit switch,
 * and the trapezoidal rule keeps a 20-step sine's amplitude (checked against 40 steps: coil RMS within 0.2 %).
 */
const LOOP_STEPS_PER_CYCLE = 20;

export interface DoorbellLoopRun {
  readonly netlist: string;
  readonly waves: Waveforms;
  /** Coil drive as a fraction of rated: half-cycle RMS of the coil current / rated coil current. */
  readonly drive: UniformSignal;
}

/** Forward drop of the doorbell's bridge (two diodes) plus the flattened top of its terminal voltage. */
const RAIL_BELOW_PEAK_V = 3.0;

/**
 * The doorbell's rail voltage at which its electronics drop out, for a drop-out given as RMS volts at its terminals.
 * Calibrated against the model itself (test/simulator/circuit/doorbell.test.ts): on a stiff supply it runs 0.5 V
 * above `dropoutVac` and is out 0.5 V below.
 */
export function railCutV(dropoutVac: number): number {
  return dropoutVac * Math.SQRT2 - RAIL_BELOW_PEAK_V;
}

/** How much of its power the doorbell's electronics get at a rail voltage (the template's drop-out curve). */
export function poweredShare(railV: number, dropoutVac: number): number {
  return 0.5 * (1 + Math.tanh((railV - railCutV(dropoutVac)) / 0.3));
}

/**
 * Where the doorbell's rail settles, to start the run there: its power through the loop's series resistance
 * (transformer, cable, a closed or resistive kit) as if it were resistive, then the rail below the terminal peak.
 * Without a kit (the coil in series) or with too little supply it sits at its drop-out.
 */
function settledRail(inst: Installation, vac: number, kit: PowerKitParams | undefined): number {
  const cut = railCutV(inst.doorbell.dropoutVac);
  if (!kit) return cut;
  const seriesOhm = inst.sourceOhm + inst.cableOhm + (kit.kind === 'bypass' ? kit.onOhm : kit.kitOhm);
  // seriesOhm I^2 - vac I + P = 0: the smaller root is the doorbell running, the larger one does not exist.
  const disc = vac * vac - 4 * seriesOhm * inst.doorbell.standbyW;
  if (disc <= 0) return cut;
  const amps = (vac - Math.sqrt(disc)) / (2 * seriesOhm);
  return Math.max(cut, (vac - seriesOhm * amps) * Math.SQRT2 - RAIL_BELOW_PEAK_V);
}

export function buildDoorbellNetlist(
  template: string,
  inst: Installation,
  point: OperatingPoint,
  plan: PressPlan,
  kit: PowerKitParams | undefined = inst.powerKit,
): string {
  const bell = inst.doorbell;
  const railIc = settledRail(inst, point.vac, kit);
  return renderNetlist(template, {
    title: `${point.vac} VAC ${point.hz} Hz, power kit ${kit ? kit.name : 'none'}, cable ${inst.cableOhm} ohm`,
    supply_vpk: point.vac * Math.SQRT2,
    supply_hz: point.hz,
    source_ohm: inst.sourceOhm,
    uni_supply_ohm: inst.uni.supplyOhm,
    cable_ohm: Math.max(inst.cableOhm, 1e-3),
    standby_w: bell.standbyW,
    rail_cut_v: railCutV(bell.dropoutVac),
    reservoir_f: bell.reservoirF,
    rail_ic_half: railIc / 2,
    rail_ic_neg_half: -railIc / 2,
    press_ohm: bell.pressOhm,
    press_pwl: formatStepPwl(plan.presses, plan.stopS),
    coil_ohm: inst.relay.coilOhm,
    coil_h: coilInductance(inst.relay),
    kit_bypass: kit?.kind === 'bypass',
    kit_resistor: kit?.kind === 'resistor',
    kit_on_ohm: kit?.kind === 'bypass' ? kit.onOhm : 1,
    kit_off_ohm: kit?.kind === 'bypass' ? kit.offOhm : 1e5,
    kit_trip_v: kit?.kind === 'bypass' ? kit.tripV : 1,
    kit_trip_f: (kit?.kind === 'bypass' ? kit.tripTauS : 0.01) / 1000,
    kit_hold_v: kit?.kind === 'bypass' ? kit.holdV : 1,
    kit_hold_ohm: (kit?.kind === 'bypass' ? kit.holdTauS : 0.01) / 10e-6,
    kit_ohm: kit?.kind === 'resistor' ? kit.kitOhm : 1,
    step_s: 1 / point.hz / LOOP_STEPS_PER_CYCLE,
    stop_s: plan.stopS,
  });
}

export async function runDoorbellLoop(
  engine: SpiceEngine,
  inst: Installation,
  point: OperatingPoint,
  plan: PressPlan,
  kit: PowerKitParams | undefined = inst.powerKit,
): Promise<DoorbellLoopRun> {
  const netlist = buildDoorbellNetlist(await loadTemplate('doorbell-loop'), inst, point, plan, kit);
  const waves = await engine.run(netlist);
  const period = 1 / point.hz;
  const current = resampleUniform(waves.time, getVector(waves, 'i(lcoil)'), period / STEPS_PER_CYCLE);
  // sin² repeats every half cycle, so a half-cycle window gives a ripple-free RMS with the least smearing in time.
  const rms = slidingRms(current, period / 2);
  const rated = ratedCoilCurrent(inst.relay, point.hz);
  return { netlist, waves, drive: { ...rms, values: rms.values.map((v) => v / rated) } };
}
