import type { Config, DeviceConfig } from '../config/schema.ts';
import { channelsFrom } from '../detect/from-config.ts';
import type { BatterySpec } from './battery-model.ts';
import type { HealthChannelConfig } from './record.ts';
import { DEFAULT_HEALTH_PARAMS, type HealthParams } from './types.ts';

/** The monitors' view of `health.*`. */
export function healthParamsFrom(config: Config): HealthParams {
  const h = config.health;
  return {
    ...DEFAULT_HEALTH_PARAMS,
    coiotUpdatePeriodS: h.coiot_update_period_s,
    offlineFactor: h.offline_factor,
    mqttUpdatePeriodS: h.mqtt_update_period_s,
    missedWindowS: h.missed_window_s,
    missedMax: h.missed_max,
    stuckAfterS: h.input_stuck_after_s,
    chatterWindowS: h.chatter_window_s,
    chatterMinEdges: h.chatter_min_edges,
    wiringMinPresses: h.wiring_min_presses,
    batteryWarnDays: h.battery_warn_days,
  };
}

/** `devices[].battery` (or its defaults when left out) as the battery model takes it. */
export function batterySpecFrom(device: DeviceConfig): BatterySpec {
  const b = device.battery;
  return {
    chemistry: b?.chemistry ?? 'alkaline',
    cells: b?.cells ?? 1,
    capacityMah: b?.capacity_mah ?? 1000,
    installedMs: b?.installed ? Date.parse(`${b.installed}T00:00:00Z`) : null,
    adc: b?.adc ?? false,
    loopMa: b?.loop_ma ?? 1,
    warnBelow: b?.warn_below ?? 0.2,
    thresholdV: b?.threshold_v ?? 1.2,
  };
}

export function healthChannelsFrom(config: Config): HealthChannelConfig[] {
  const chimes = channelsFrom(config);
  return config.devices.map((device, i) => ({
    device: device.id,
    input: device.input,
    name: device.name,
    gen: device.gen,
    chime: (chimes[i] as (typeof chimes)[number]).chime,
    battery: batterySpecFrom(device),
    expectCoiot: config.coiot.enabled && device.gen === 'gen1',
  }));
}
