import type { BatteryEvent } from '../core/events.ts';
import {
  adcEstimate,
  type BatteryEstimate,
  type BatterySpec,
  modelEstimate,
  pressChargeMah,
} from './battery-model.ts';
import { type HealthParams, Latch } from './types.ts';

/** Clear `battery_low` only this far above `warn_below`, so ADC noise at the edge does not flap it. */
const CLEAR_MARGIN = 0.05;
const DAY_MS = 24 * 3600 * 1000;
/** Without an estimate (no ADC reading yet, no install date): made once, `evaluate` runs for every report. */
const UNCHANGED = Object.freeze({ changed: false, event: null });

/**
 * `battery_low` and the `battery` events of one loop cell: from the ADC when it is wired to the cell, else from
 * the model (presses × hold × loop current + self-discharge since the install date).
 */
export class BatteryMonitor {
  readonly latch = new Latch();
  private adcVolts: number | null = null;
  private lastEvent: { percent: number; volts: number | null } | null = null;
  private evaluatedMs: number | null = null;

  constructor(
    private readonly spec: BatterySpec,
    private readonly params: HealthParams,
    readonly device: string,
    /** Charge the presses took so far (persisted). */
    public pressMah = 0,
  ) {}

  press(holdS: number): void {
    this.pressMah += pressChargeMah(holdS, this.spec.loopMa);
  }

  adc(volts: number): void {
    if (this.spec.adc) this.adcVolts = volts;
  }

  /** Its estimate does not move with time (ADC, or no install date): only `adc` and `press` change it. */
  get clockFree(): boolean {
    return this.spec.adc || this.spec.installedMs === null;
  }

  estimate(nowMs: number): BatteryEstimate | null {
    if (this.spec.adc) return this.adcVolts === null ? null : adcEstimate(this.spec, this.adcVolts);
    return modelEstimate(this.spec, this.pressMah, nowMs);
  }

  /** The problem latch changed, and a `battery` event when the rounded percent (or the measured volts) moved. */
  evaluate(nowMs: number): { changed: boolean; event: BatteryEvent | null } {
    this.evaluatedMs = nowMs;
    const est = this.estimate(nowMs);
    if (est === null) return UNCHANGED;
    const percent = Math.round(est.ratio * 100);
    const volts = est.basis === 'adc' ? round2(est.volts) : null;
    let event: BatteryEvent | null = null;
    if (this.lastEvent === null || this.lastEvent.percent !== percent || this.lastEvent.volts !== volts) {
      this.lastEvent = { percent, volts };
      event = { type: 'battery', t: nowMs / 1000, device: this.device, percent, volts, basis: est.basis };
    }
    const reason = this.lowReason(est, nowMs);
    const clear = reason === '' && (!this.latch.on || est.ratio > this.spec.warnBelow + CLEAR_MARGIN);
    const changed =
      reason !== '' ? this.latch.set(true, reason, nowMs) : clear && this.latch.set(false, '', nowMs);
    return { changed, event };
  }

  private lowReason(est: BatteryEstimate, nowMs: number): string {
    const pct = `${Math.round(est.ratio * 100)} %`;
    if (est.basis === 'adc' && est.volts <= this.spec.thresholdV)
      return `battery at ${est.volts.toFixed(2)} V, at or below the input threshold ${this.spec.thresholdV} V`;
    if (est.ratio <= this.spec.warnBelow)
      return `battery at ${pct} (${est.basis}), warn below ${Math.round(this.spec.warnBelow * 100)} %`;
    if (est.thresholdDateMs !== null && nowMs >= est.thresholdDateMs - this.params.batteryWarnDays * DAY_MS) {
      const date = new Date(est.thresholdDateMs).toISOString().slice(0, 10);
      return `model: battery (${pct}) falls below the input threshold ${this.spec.thresholdV} V around ${date}`;
    }
    if (est.pastShelfLife)
      return `battery past the shelf life of ${this.spec.chemistry} (${pct} by the model)`;
    return '';
  }

  /** The model drifts with time (self-discharge): look again once a day. */
  nextWakeMs(): number | null {
    if (this.spec.adc || this.spec.installedMs === null || this.evaluatedMs === null) return null;
    return this.evaluatedMs + DAY_MS;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
