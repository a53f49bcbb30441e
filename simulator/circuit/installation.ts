import { stateFromVolts } from './battery.ts';
import { type InstallationFile, toBatteryState } from './installation-schema.ts';
import { type Parts, takeValue } from './parts.ts';
import type { BatteryParams, Installation, PowerKitParams, RelayParams, UniParams } from './types.ts';

const DEFAULT_RELAY = 'rs-0376830';
const DEFAULT_KIT = 'db1_kit';

/** Combines the user's file with the parts file into plain numbers, remembering which ones are assumed. */
export function resolveInstallation(file: InstallationFile, parts: Parts): Installation {
  const assumed: string[] = [];
  const bellSpec = parts.doorbells[file.doorbell.model ?? 'db1']!;
  const bellName = `doorbells.${file.doorbell.model ?? 'db1'}`;
  const standbyOhm = file.doorbell.standby_ohm ?? takeValue(bellSpec, 'standby_ohm', bellName, assumed);
  const durationS =
    file.chime.duration_s ??
    (file.chime.mode === 'mechanical' ? takeValue(bellSpec, 'mechanical_pulse_s', bellName, assumed) : 0);
  const battery = file.loop.battery;
  const batteryParams =
    battery === undefined ? undefined : resolveBattery(parts, battery.chemistry, battery.cells, assumed);
  return {
    supply: { vac: file.supply.vac, hz: file.supply.hz === 'unknown' ? [50, 60] : [file.supply.hz] },
    sourceOhm: takeValue(parts.transformer, 'source_ohm', 'transformer', assumed),
    toleranceFrac: takeValue(parts.transformer, 'tolerance_frac', 'transformer', assumed),
    doorbell: { standbyOhm, pressOhm: takeValue(bellSpec, 'press_ohm', bellName, assumed) },
    chime: { mode: file.chime.mode, durationS },
    powerKit: file.power_kit ? resolveKit(parts, assumed) : undefined,
    relay: resolveRelay(parts, file.relay, assumed),
    loop:
      file.loop.source === 'ac' || batteryParams === undefined
        ? { source: 'ac' }
        : {
            source: 'battery',
            battery: batteryParams,
            startState:
              battery?.volts !== undefined
                ? stateFromVolts(batteryParams, battery.volts)
                : toBatteryState(battery?.state),
          },
    uni: resolveUni(parts, file.uni.model, assumed),
    assumed,
  };
}

function resolveKit(parts: Parts, assumed: string[]): PowerKitParams {
  const spec = parts.power_kits[DEFAULT_KIT]!;
  const name = `power_kits.${DEFAULT_KIT}`;
  const take = (key: string) => takeValue(spec, key, name, assumed);
  return {
    onOhm: take('on_ohm'),
    offOhm: take('off_ohm'),
    senseTauS: take('sense_tau_s'),
  };
}

function resolveRelay(parts: Parts, user: InstallationFile['relay'], assumed: string[]): RelayParams {
  const partName = user.part ?? DEFAULT_RELAY;
  const spec = parts.relays[partName]!;
  const name = `relays.${partName}`;
  const take = (key: string) => takeValue(spec, key, name, assumed);
  const partVac = take('coil_vac');
  const coilVac = user.coil_vac ?? partVac;
  // A user relay without impedance data: assume the same coil power (VA) as the reference part.
  const scale = (coilVac / partVac) ** 2;
  if (user.coil_vac !== undefined && user.coil_impedance_ohm === undefined)
    assumed.push('relay.coil_impedance_ohm');
  const coilImpedanceOhm = user.coil_impedance_ohm ?? take('coil_impedance_ohm') * scale;
  const coilOhm = user.coil_ohm ?? Math.min(take('coil_ohm') * scale, coilImpedanceOhm);
  return {
    coilVac,
    coilImpedanceOhm,
    coilOhm,
    mustOperateFrac: user.must_operate_frac ?? take('must_operate_frac'),
    mustReleaseFrac: user.must_release_frac ?? take('must_release_frac'),
    typicalOperateFrac: Math.min(take('typical_operate_frac'), user.must_operate_frac ?? 1),
    typicalReleaseFrac: Math.max(take('typical_release_frac'), user.must_release_frac ?? 0),
    operateS: user.operate_s ?? take('operate_s'),
    releaseS: user.release_s ?? take('release_s'),
    contactOhm: take('contact_ohm'),
  };
}

function resolveBattery(parts: Parts, chemistry: string, cells: number, assumed: string[]): BatteryParams {
  const spec = parts.batteries[chemistry]!;
  const name = `batteries.${chemistry}`;
  const take = (key: string) => takeValue(spec, key, name, assumed);
  return {
    chemistry,
    cells,
    freshV: take('fresh_v'),
    endOfLifeV: take('end_of_life_v'),
    freshOhm: take('fresh_ohm'),
    endOfLifeOhm: take('end_of_life_ohm'),
  };
}

function resolveUni(parts: Parts, model: 'gen1' | 'plus', assumed: string[]): UniParams {
  const spec = parts.unis[model];
  const name = `unis.${model}`;
  const take = (key: string) => takeValue(spec, key, name, assumed);
  return {
    model,
    supplyMinVac: take('supply_min_vac'),
    supplyMaxVac: take('supply_max_vac'),
    supplyOhm: take('supply_ohm'),
    inputOhm: take('input_ohm'),
    documentedDcHighV: take('documented_dc_high_v'),
    documentedAcHighVrms: take('documented_ac_high_vrms'),
    fieldHighV: take('field_high_v'),
    samplePeriodS: take('sample_period_s'),
    debounceSamples: take('debounce_samples'),
    longpushS: take('longpush_s'),
    eventLifetimeS: take('event_lifetime_s'),
  };
}
