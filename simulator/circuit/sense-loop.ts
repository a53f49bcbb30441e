import type { SpiceEngine } from '../spice/engine.ts';
import { formatStepPwl, renderNetlist } from '../spice/netlist.ts';
import type { Waveforms } from '../spice/waveform.ts';
import { describeBattery } from './battery.ts';
import { STEPS_PER_CYCLE } from './doorbell-loop.ts';
import { loadTemplate } from './templates.ts';
import type { Installation, Interval, OperatingPoint } from './types.ts';

/** A cell loop is resistive: it only changes at the contact's edges, where ngspice puts its own points. */
const DC_STEP_S = 0.01;

export interface SenseLoopRun {
  readonly netlist: string;
  readonly waves: Waveforms;
}

export function buildSenseNetlist(
  template: string,
  inst: Installation,
  point: OperatingPoint,
  contact: readonly Interval[],
  stopS: number,
): string {
  const loop = inst.loop;
  const cell =
    loop.source === 'battery'
      ? describeBattery(loop.battery, point.batteryState ?? loop.startState)
      : undefined;
  return renderNetlist(template, {
    title: cell ? `${loop.source} ${cell.volts.toFixed(3)} V` : `ac ${point.vac} VAC ${point.hz} Hz`,
    battery: cell !== undefined,
    ac: cell === undefined,
    cell_v: cell?.volts ?? 0,
    supply_vpk: point.vac * Math.SQRT2,
    supply_hz: point.hz,
    source_ohm: cell?.ohm ?? inst.sourceOhm,
    contact_pwl: formatStepPwl(contact, stopS),
    contact_ohm: inst.relay.contactOhm,
    input_ohm: inst.uni.inputOhm,
    step_s: cell ? DC_STEP_S : 1 / point.hz / STEPS_PER_CYCLE,
    stop_s: stopS,
  });
}

export async function runSenseLoop(
  engine: SpiceEngine,
  inst: Installation,
  point: OperatingPoint,
  contact: readonly Interval[],
  stopS: number,
): Promise<SenseLoopRun> {
  const netlist = buildSenseNetlist(await loadTemplate('sense-loop'), inst, point, contact, stopS);
  return { netlist, waves: await engine.run(netlist) };
}
