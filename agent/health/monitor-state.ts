import { earliest } from '../core/wake.ts';
import type { Path } from '../detect/evidence.ts';
import type { BatteryMonitor } from './battery.ts';
import type { ChatterMonitor } from './chatter.ts';
import type { InputStuckMonitor } from './input-stuck.ts';
import type { MissedReportsMonitor } from './missed-reports.ts';
import type { OfflineMonitor } from './offline.ts';
import type { HealthChannelConfig, HealthRecord } from './record.ts';
import { HEALTH_PROBLEMS, type HealthProblem, type Latch } from './types.ts';
import type { WiringMonitor } from './wiring.ts';

/** What `HealthMonitor` keeps per Shelly and per input, and what it reads out of it. */
export interface ShellyState {
  device: string;
  /** Its place in the configuration: Shellys due together are evaluated in this order. */
  index: number;
  offline: OfflineMonitor;
  missed: MissedReportsMonitor;
  lastReportMs: number | null;
  lastReportVia: Path | null;
  channels: HealthChannel[];
}

export interface HealthChannel {
  config: HealthChannelConfig;
  key: string;
  shelly: ShellyState;
  stuck: InputStuckMonitor;
  chatter: ChatterMonitor;
  wiring: WiringMonitor;
  battery: BatteryMonitor;
  level: boolean | null;
  counter: number | null;
  presses: number;
  lastRing: HealthRecord['lastRing'];
  savedMs: number | null;
  dirty: boolean;
}

/** The state of one input as `status`, Home Assistant and `/metrics` show it (and as it is persisted). */
export function healthRecord(channel: HealthChannel, nowMs: number): HealthRecord {
  const { shelly, config } = channel;
  const latches: Record<HealthProblem, Latch> = {
    offline: shelly.offline.latch,
    missed_reports: shelly.missed.latch,
    input_stuck: channel.stuck.latch,
    chatter: channel.chatter.latch,
    wiring: channel.wiring.latch,
    battery_low: channel.battery.latch,
  };
  const estimate = channel.battery.estimate(nowMs);
  return {
    device: config.device,
    input: config.input,
    name: config.name,
    savedMs: nowMs,
    connected: shelly.offline.latch.on ? false : shelly.lastReportMs === null ? null : true,
    lastReportMs: shelly.lastReportMs,
    lastReportVia: shelly.lastReportVia,
    presses: channel.presses,
    lastRing: channel.lastRing,
    problems: HEALTH_PROBLEMS.filter((kind) => latches[kind].on).map((kind) => ({
      problem: kind,
      detail: latches[kind].detail,
      sinceMs: latches[kind].sinceMs,
    })),
    battery:
      estimate === null
        ? null
        : {
            percent: Math.round(estimate.ratio * 100),
            volts: estimate.basis === 'adc' ? Math.round(estimate.volts * 100) / 100 : null,
            basis: estimate.basis,
            thresholdDateMs: estimate.thresholdDateMs,
          },
    pressMah: channel.battery.pressMah,
    serialGapsTotal: shelly.missed.serialGapsTotal,
  };
}

/** The earliest time any monitor of this Shelly wants to look again. */
export function shellyWakeMs(shelly: ShellyState): number | null {
  let wake = earliest(shelly.offline.nextWakeMs(), shelly.missed.nextWakeMs());
  for (const channel of shelly.channels) {
    wake = earliest(wake, channel.stuck.nextWakeMs());
    wake = earliest(wake, channel.chatter.nextWakeMs());
    wake = earliest(wake, channel.battery.nextWakeMs());
  }
  return wake;
}
