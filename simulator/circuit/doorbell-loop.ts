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
import type { Installation, OperatingPoint } from './types.ts';

/** Simulation steps per mains cycle: enough for a clean RMS, few enough for sweeps. */
export const STEPS_PER_CYCLE = 40;

export interface DoorbellLoopRun {
  readonly netlist: string;
  readonly waves: Waveforms;
  /** Coil drive as a fraction of rated: half-cycle RMS of the coil current / rated coil current. */
  readonly drive: UniformSignal;
}

export function buildDoorbellNetlist(
  template: string,
  inst: Installation,
  point: OperatingPoint,
  plan: PressPlan,
): string {
  const kit = inst.powerKit;
  return renderNetlist(template, {
    title: `${point.vac} VAC ${point.hz} Hz, power kit ${kit ? 'on' : 'off'}`,
    supply_vpk: point.vac * Math.SQRT2,
    supply_hz: point.hz,
    source_ohm: inst.sourceOhm,
    uni_supply_ohm: inst.uni.supplyOhm,
    standby_ohm: inst.doorbell.standbyOhm,
    press_ohm: inst.doorbell.pressOhm,
    press_pwl: formatStepPwl(plan.presses, plan.stopS),
    coil_ohm: inst.relay.coilOhm,
    coil_h: coilInductance(inst.relay),
    power_kit: kit !== undefined,
    kit_sense_f: (kit?.senseTauS ?? 0.005) / 1000,
    kit_on_ohm: kit?.onOhm ?? 1,
    kit_off_ohm: kit?.offOhm ?? 1e5,
    step_s: 1 / point.hz / STEPS_PER_CYCLE,
    stop_s: plan.stopS,
  });
}

export async function runDoorbellLoop(
  engine: SpiceEngine,
  inst: Installation,
  point: OperatingPoint,
  plan: PressPlan,
): Promise<DoorbellLoopRun> {
  const netlist = buildDoorbellNetlist(await loadTemplate('doorbell-loop'), inst, point, plan);
  const waves = await engine.run(netlist);
  const period = 1 / point.hz;
  const current = resampleUniform(waves.time, getVector(waves, 'i(lcoil)'), period / STEPS_PER_CYCLE);
  // sin² repeats every half cycle, so a half-cycle window gives a ripple-free RMS with the least smearing in time.
  const rms = slidingRms(current, period / 2);
  const rated = ratedCoilCurrent(inst.relay, point.hz);
  return { netlist, waves, drive: { ...rms, values: rms.values.map((v) => v / rated) } };
}
