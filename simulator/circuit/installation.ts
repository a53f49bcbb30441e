import { ConfigError } from '../../agent/core/errors.ts';
import { stateFromVolts } from './battery.ts';
import { type InstallationFile, toBatteryState } from './installation-schema.ts';
import { type Parts, takeValue } from './parts.ts';
import type {
  BatteryParams,
  CoilKind,
  DoorbellParams,
  Installation,
  PowerKitParams,
  RelayParams,
  UniParams,
} from './types.ts';

const DEFAULT_RELAY: Record<CoilKind, string> = { ac: 'rs-0376830', dc: 'te-t9as1d12' };
const DEFAULT_KIT = 'db1_kit';

/** Combines the user's file with the parts file into plain numbers, remembering which ones are assumed. */
export function resolveInstallation(
  file: InstallationFile,
  parts: Parts,
  fileName = 'installation',
): Installation {
  const assumed: string[] = [];
  const bellName = file.doorbell.model ?? 'db1';
  const durationS =
    file.chime.duration_s ??
    (file.chime.mode === 'mechanical'
      ? takeValue(parts.doorbells[bellName]!, 'mechanical_pulse_s', `doorbells.${bellName}`, assumed)
      : 0);
  const battery = file.loop.battery;
  const batteryParams =
    battery === undefined ? undefined : resolveBattery(parts, battery.chemistry, battery.cells, assumed);
  const kits = resolveKits(parts, file.power_kit, assumed);
  return {
    supply: { vac: file.supply.vac, hz: file.supply.hz === 'unknown' ? [50, 60] : [file.supply.hz] },
    sourceOhm: takeValue(parts.transformer, 'source_ohm', 'transformer', assumed),
    toleranceFrac: takeValue(parts.transformer, 'tolerance_frac', 'transformer', assumed),
    cableOhm: file.wiring.cable_ohm,
    doorbell: resolveDoorbell(parts, bellName, file.doorbell.standby_w, assumed),
    chime: { mode: file.chime.mode, durationS },
    powerKit: kits[0],
    kitAlternatives: kits.slice(1),
    relay: resolveRelay(parts, file.relay, assumed, fileName),
    loop:
      file.loop.source === 'ac' || batteryParams === undefined
        ? { source: 'ac' }
        : {
            source: 'battery',
            battery: batteryParams,
            startState:
              battery?.volts !== undefined
                ? measuredState(batteryParams, battery.chemistry, battery.volts, fileName)
                : toBatteryState(battery?.state),
          },
    uni: resolveUni(parts, file.uni.model, assumed),
    assumed,
  };
}

function resolveDoorbell(
  parts: Parts,
  model: string,
  standbyW: number | undefined,
  assumed: string[],
): DoorbellParams {
  const spec = parts.doorbells[model]!;
  const take = (key: string) => takeValue(spec, key, `doorbells.${model}`, assumed);
  return {
    standbyW: standbyW ?? take('standby_w'),
    ratedMinVac: take('rated_min_vac'),
    ratedMaxVac: take('rated_max_vac'),
    dropoutVac: take('dropout_vac'),
    reservoirF: take('reservoir_uf') * 1e-6,
    pressOhm: take('press_ohm'),
  };
}

/** `true`: the DB1 kit, judged with db1_kit and every other hypothesis compared; a name: that one alone. */
function resolveKits(parts: Parts, choice: boolean | string, assumed: string[]): PowerKitParams[] {
  if (choice === false) return [];
  const names =
    choice === true
      ? [DEFAULT_KIT, ...Object.keys(parts.power_kits).filter((n) => n !== DEFAULT_KIT)]
      : [choice];
  return names.map((name, i) => resolveKit(parts, name, i === 0 ? assumed : []));
}

function resolveKit(parts: Parts, name: string, assumed: string[]): PowerKitParams {
  const spec = parts.power_kits[name]!;
  const take = (key: string) => takeValue(spec, key, `power_kits.${name}`, assumed);
  if ('kit_ohm' in spec) return { kind: 'resistor', name, kitOhm: take('kit_ohm') };
  return {
    kind: 'bypass',
    name,
    onOhm: take('on_ohm'),
    offOhm: take('off_ohm'),
    tripV: take('trip_v'),
    tripTauS: take('trip_tau_s'),
    holdV: take('hold_v'),
    holdTauS: take('hold_tau_s'),
  };
}

function resolveRelay(
  parts: Parts,
  user: InstallationFile['relay'],
  assumed: string[],
  fileName: string,
): RelayParams {
  const partKind = (name: string): CoilKind => ('coil_vdc' in parts.relays[name]! ? 'dc' : 'ac');
  const kind: CoilKind =
    user.coil_vdc !== undefined ? 'dc' : user.coil_vac !== undefined ? 'ac' : partKind(user.part!);
  if (user.part !== undefined && partKind(user.part) !== kind) {
    throw new ConfigError(fileName, [
      `relay: part ${user.part} has an ${partKind(user.part).toUpperCase()} coil; coil_${kind === 'ac' ? 'vac' : 'vdc'} describes a ${kind.toUpperCase()} coil: give one or the other`,
    ]);
  }
  const partName = user.part ?? DEFAULT_RELAY[kind];
  const spec = parts.relays[partName]!;
  const name = `relays.${partName}`;
  const take = (key: string) => takeValue(spec, key, name, assumed);
  const partV = take(kind === 'ac' ? 'coil_vac' : 'coil_vdc');
  const coilV = (kind === 'ac' ? user.coil_vac : user.coil_vdc) ?? partV;
  // A user relay without impedance data: assume the same coil power (VA or W) as the reference part.
  const scale = (coilV / partV) ** 2;
  if (coilV !== partV && user.coil_impedance_ohm === undefined && user.coil_ohm === undefined)
    assumed.push(`relay.coil_${kind === 'ac' ? 'impedance_' : ''}ohm (scaled from ${partName})`);
  const coilOhm =
    kind === 'dc'
      ? (user.coil_ohm ?? take('coil_ohm') * scale)
      : (user.coil_ohm ?? Math.min(take('coil_ohm') * scale, user.coil_impedance_ohm ?? Infinity));
  const coilImpedanceOhm =
    kind === 'dc'
      ? coilOhm * Math.hypot(1, 2 * Math.PI * 50 * take('coil_tau_s'))
      : (user.coil_impedance_ohm ?? take('coil_impedance_ohm') * scale);
  const relay: RelayParams = {
    coilKind: kind,
    coilV,
    coilImpedanceOhm,
    coilOhm: Math.min(coilOhm, coilImpedanceOhm),
    mustOperateFrac: user.must_operate_frac ?? take('must_operate_frac'),
    mustReleaseFrac: user.must_release_frac ?? take('must_release_frac'),
    typicalOperateFrac: Math.min(take('typical_operate_frac'), user.must_operate_frac ?? 1),
    typicalReleaseFrac: Math.max(take('typical_release_frac'), user.must_release_frac ?? 0),
    operateS: user.operate_s ?? take('operate_s'),
    releaseS: user.release_s ?? take('release_s'),
    contactOhm: take('contact_ohm'),
    maxOperatingFrac: take('max_operating_frac'),
    overdriveFailFrac: take('overdrive_fail_frac'),
  };
  rejectImpossibleRelay(relay, partName, fileName);
  return relay;
}

/** Pull-in at or below drop-out describes no relay that exists: say which values collide and where they came from. */
function rejectImpossibleRelay(relay: RelayParams, partName: string, fileName: string): void {
  const problems: string[] = [];
  const pct = (f: number) => `${Math.round(f * 100)} %`;
  if (relay.mustOperateFrac <= relay.mustReleaseFrac)
    problems.push(
      `relay: guaranteed pull-in ${pct(relay.mustOperateFrac)} (must_operate_frac) is at or below the guaranteed drop-out ${pct(relay.mustReleaseFrac)} (must_release_frac): no relay pulls in below the level it drops out at`,
    );
  else if (relay.typicalOperateFrac <= relay.typicalReleaseFrac)
    problems.push(
      `relay: typical pull-in ${pct(relay.typicalOperateFrac)} is at or below the typical drop-out ${pct(relay.typicalReleaseFrac)} (typical_operate_frac / typical_release_frac of relays.${partName} in the parts file, limited by your must_operate_frac / must_release_frac): raise must_operate_frac or lower must_release_frac`,
    );
  if (problems.length > 0) throw new ConfigError(fileName, problems);
}

/**
 * The state of charge a measured pack voltage means. A reading a little above the sourced fresh voltage is a fresh
 * pack (cells vary); one well above what the cells can give is a wrong reading or a wrong `cells`.
 */
function measuredState(battery: BatteryParams, chemistry: string, volts: number, fileName: string): number {
  const freshV = battery.freshV * battery.cells;
  if (volts > freshV * 1.1) {
    const cells =
      battery.cells === 1
        ? `one fresh ${chemistry} cell gives`
        : `${battery.cells} fresh ${chemistry} cells give`;
    throw new ConfigError(fileName, [
      `loop.battery.volts: ${volts} V is more than ${cells} (${freshV.toFixed(2)} V): measure the pack again, or set cells`,
    ]);
  }
  return Math.max(0, stateFromVolts(battery, volts));
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
