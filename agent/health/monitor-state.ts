import type { DeadlineLanes, DeadlineSlot } from '../core/deadline-lanes.ts';
import { earliest } from '../core/wake.ts';
import type { Path } from '../detect/evidence.ts';
import { BatteryMonitor } from './battery.ts';
import { ChatterMonitor } from './chatter.ts';
import { InputStuckMonitor } from './input-stuck.ts';
import { MissedReportsMonitor } from './missed-reports.ts';
import { OfflineMonitor } from './offline.ts';
import type { HealthChannelConfig, HealthRecord, HealthTimes } from './record.ts';
import { HEALTH_PROBLEMS, type HealthParams, type HealthProblem, type Latch } from './types.ts';
import { WiringMonitor } from './wiring.ts';

/** What `HealthMonitor` keeps per Shelly and per input, and what it reads out of it. */
export interface ShellyState {
  device: string;
  /** Its place in the configuration: Shellys due together are evaluated in this order. */
  index: number;
  offline: OfflineMonitor;
  /** Its place among the offline deadlines: each report moves it later. */
  offlineDeadline: DeadlineSlot<ShellyState>;
  missed: MissedReportsMonitor;
  lastReportMs: number | null;
  lastReportVia: Path | null;
  channels: HealthChannel[];
  /**
   * Set when the channels' monitors were last evaluated: before this time, evaluating them again without new
   * input would change nothing (see `channelQuietUntilMs`), and their earliest wake-up is `channelsWakeMs`.
   */
  quietUntilMs: number;
  channelsWakeMs: number | null;
  /**
   * As last evaluated, neither `offline` nor `missed_reports` is raised or has anything pending that a report of
   * nothing new could change: such a report only moves the offline deadline.
   */
  calm: boolean;
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
  /** Something `status` shows changed since the record was written: write it at the end of this evaluation. */
  dirty: boolean;
  /** Evaluated since its record was written, with only time to write (report times, battery): for the next sweep. */
  timeOnly: boolean;
  /** The Shelly's `lastReportMs` as the stored record has it (null: not written yet). */
  writtenReportMs: number | null;
}

/** A Shelly's state before anything was heard, with its slot among the offline deadlines. */
export function newShellyState(
  config: HealthChannelConfig,
  params: HealthParams,
  startMs: number,
  index: number,
  offlineDeadlines: DeadlineLanes<ShellyState>,
): ShellyState {
  const shelly: Omit<ShellyState, 'offlineDeadline'> & { offlineDeadline?: DeadlineSlot<ShellyState> } = {
    device: config.device,
    offline: new OfflineMonitor(params, config.expectCoiot, startMs),
    missed: new MissedReportsMonitor(params, config.gen === 'gen1'),
    lastReportMs: null,
    lastReportVia: null,
    quietUntilMs: Number.NEGATIVE_INFINITY,
    calm: false,
    channelsWakeMs: null,
    channels: [],
    index,
    offlineDeadline: undefined,
  };
  shelly.offlineDeadline = offlineDeadlines.slot(shelly as ShellyState);
  return shelly as ShellyState;
}

/** An input's monitors, with what the store kept of it (`saved`) across a restart. */
export function newHealthChannel(
  config: HealthChannelConfig,
  key: string,
  shelly: ShellyState,
  params: HealthParams,
  saved: HealthRecord | undefined,
): HealthChannel {
  return {
    config,
    key,
    shelly,
    stuck: new InputStuckMonitor(params, config.chime, config.input),
    chatter: new ChatterMonitor(params, config.input),
    wiring: new WiringMonitor(params, config.chime, config.input),
    battery: new BatteryMonitor(config.battery, params, config.device, saved?.pressMah ?? 0),
    level: null,
    counter: null,
    presses: saved?.presses ?? 0,
    lastRing: saved?.lastRing ?? null,
    dirty: true,
    timeOnly: false,
    writtenReportMs: null,
  };
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
    ...healthTimes(channel, nowMs),
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
  };
}

/**
 * The fields of `healthRecord` that time and reports move without a change the monitors report (what a time-only
 * write stores); `healthRecord` takes them from here too.
 */
export function healthTimes(channel: HealthChannel, nowMs: number): HealthTimes {
  const { shelly } = channel;
  return {
    savedMs: nowMs,
    connected: shelly.offline.latch.on ? false : shelly.lastReportMs === null ? null : true,
    lastReportMs: shelly.lastReportMs,
    lastReportVia: shelly.lastReportVia,
    serialGapsTotal: shelly.missed.serialGapsTotal,
  };
}

/** The earliest time any monitor of this Shelly's inputs wants to look again. */
export function channelsWakeMs(shelly: ShellyState): number | null {
  let wake: number | null = null;
  for (const channel of shelly.channels) wake = earliest(wake, channelWakeMs(channel));
  return wake;
}

/** The earliest time any monitor of this input wants to look again. */
export function channelWakeMs(channel: HealthChannel): number | null {
  return earliest(
    earliest(channel.stuck.nextWakeMs(), channel.chatter.nextWakeMs()),
    channel.battery.nextWakeMs(),
  );
}

/**
 * Until when the input's monitors, just evaluated, would change nothing if evaluated again with no new input:
 * `wiring` and a clock-free battery never move by time alone, `chatter` not before its oldest edge leaves the
 * window, `input_stuck` not before its deadline; but while raised it rewrites its detail (the hold so far).
 */
export function channelQuietUntilMs(channel: HealthChannel): number {
  const { stuck, chatter, battery } = channel;
  if (stuck.latch.on || !battery.clockFree) return Number.NEGATIVE_INFINITY;
  return Math.min(
    stuck.nextWakeMs() ?? Number.POSITIVE_INFINITY,
    chatter.nextWakeMs() ?? Number.POSITIVE_INFINITY,
  );
}
