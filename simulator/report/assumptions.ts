import type { CheckId } from '../circuit/verdicts.ts';

/**
 * Which parameters each check's verdict can rest on (dotted parts-file names, `*` for any part). The report lists
 * those that are assumed in this installation beside the verdict, so a FAIL that only an assumed value decides says so.
 */
const DEPENDS_ON: Record<CheckId, readonly string[]> = {
  doorbell_supply_in_range: [
    'doorbells.*.rated_min_vac',
    'doorbells.*.rated_max_vac',
    'doorbells.*.dropout_vac',
    'doorbells.*.reservoir_uf',
    'transformer.source_ohm',
    'power_kits.*',
  ],
  uni_supply_in_range: ['transformer.source_ohm', 'unis.*.supply_ohm'],
  coil_type_matches_supply: [],
  coil_not_overdriven: ['relays.*.overdrive_fail_frac', 'relays.*.coil_ohm', 'relays.*.coil_tau_s'],
  idle_relay_open: [
    'relays.*.typical_release_frac',
    'relays.*.typical_operate_frac',
    'relays.*.coil_ohm',
    'power_kits.*',
  ],
  press_relay_closes: [
    'relays.*.typical_operate_frac',
    'relays.*.operate_s',
    'relays.*.coil_ohm',
    'doorbells.*.press_ohm',
    'power_kits.*',
  ],
  input_high_on_press: ['unis.*.field_high_v', 'unis.*.input_ohm', 'batteries.*', 'relays.*.contact_ohm'],
  input_low_at_idle: ['unis.*.field_high_v'],
  pulse_matches_chime: [
    'unis.*.sample_period_s',
    'unis.*.debounce_samples',
    'unis.*.field_high_v',
    'relays.*.operate_s',
    'relays.*.release_s',
  ],
  ac_on_input: ['unis.*.sample_period_s', 'unis.*.debounce_samples'],
};

/** The assumed parameters (of `assumed`) a check's verdict can rest on. */
export function assumedFor(id: CheckId, assumed: readonly string[]): string[] {
  const patterns = DEPENDS_ON[id].map(
    (p) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^.]+')}(\\.|$)`),
  );
  return assumed.filter((name) => patterns.some((re) => re.test(name)));
}
