import type { BatteryEvent, ProblemEvent, ProblemKind } from '../core/events.ts';

/** What the health monitors decide: the contract's `problem` and `battery` events. */
export type HealthEvent = ProblemEvent | BatteryEvent;

/** The problems the monitors here raise (`spoofed` belongs to the MQTT input checks, not to health). */
export type HealthProblem = Exclude<ProblemKind, 'spoofed'>;

export const HEALTH_PROBLEMS: readonly HealthProblem[] = [
  'offline',
  'missed_reports',
  'input_stuck',
  'chatter',
  'wiring',
  'battery_low',
];

/** Thresholds of every monitor; `healthParamsFrom(config)` fills them from `health.*`. */
export interface HealthParams {
  /** The Shelly's `coiot.update_period` (default 15 s per the Gen1 API doc). */
  coiotUpdatePeriodS: number;
  /** HA's `UPDATE_PERIOD_MULTIPLIER` (2.2): silence longer than this × the period means offline. */
  offlineFactor: number;
  /** Gen1 `mqtt_update_period` (default 30 s); 0 = the device does not publish periodically. */
  mqttUpdatePeriodS: number;
  /** Sliding window over which lost reports are counted. */
  missedWindowS: number;
  /** Lost reports inside the window that raise `missed_reports`. */
  missedMax: number;
  /** A serial jump larger than this is a reboot or resync, not lost reports. */
  maxSerialJump: number;
  /** Input high this much longer than the chime's own hold raises `input_stuck`. */
  stuckAfterS: number;
  chatterWindowS: number;
  /** Rising edges inside the window that raise `chatter` (whether or not the Shelly counted them). */
  chatterMinEdges: number;
  /** Consecutive presses showing a known wiring mistake before `wiring` is raised. */
  wiringMinPresses: number;
  /** Raise `battery_low` this many days before the model's date for dropping below the input threshold. */
  batteryWarnDays: number;
}

export const DEFAULT_HEALTH_PARAMS: HealthParams = {
  coiotUpdatePeriodS: 15,
  offlineFactor: 2.2,
  mqttUpdatePeriodS: 30,
  missedWindowS: 3600,
  missedMax: 3,
  maxSerialJump: 256,
  stuckAfterS: 60,
  chatterWindowS: 60,
  chatterMinEdges: 10,
  wiringMinPresses: 3,
  batteryWarnDays: 60,
};

/** One raised-or-cleared condition; `set` returns true only when it changes. */
export class Latch {
  on = false;
  detail = '';
  sinceMs: number | null = null;

  set(on: boolean, detail: string, nowMs: number): boolean {
    if (on === this.on) {
      if (on) this.detail = detail;
      return false;
    }
    this.on = on;
    this.detail = detail;
    this.sinceMs = nowMs;
    return true;
  }
}
