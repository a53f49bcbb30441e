import { type HealthParams, Latch } from './types.ts';

/**
 * `offline`: a Shelly that should push CoIoT has been silent longer than the validity it announced (option 3412),
 * with a floor of `offlineFactor` × its update period (Home Assistant's 2.2 × `coiot.update_period`, 33 s by
 * default: shelly-protocols.md §1, §2.3), or its MQTT LWT said `online=false`. Cleared by the next report.
 * Pure: time comes in as `nowMs`.
 */
export class OfflineMonitor {
  readonly latch = new Latch();
  private lastCoiotMs: number | null = null;
  private validityS: number | null = null;
  private mqttOnline: boolean | null = null;

  constructor(
    private readonly params: HealthParams,
    /** Gen1 device with the CoIoT source enabled: silence on CoIoT means something. */
    private readonly expectCoiot: boolean,
    private readonly startMs: number,
  ) {}

  get lastReportMs(): number | null {
    return this.lastCoiotMs;
  }

  /** Any CoIoT packet of the device, periodic copies included: each is a sign of life. */
  coiotHeard(nowMs: number, validityS?: number): void {
    this.lastCoiotMs = nowMs;
    if (validityS !== undefined && validityS > 0) this.validityS = validityS;
  }

  /** `shellies/<id>/online` (Gen1) or `<prefix>/online` (Gen2); the LWT is `false`. */
  mqttOnlineChanged(online: boolean): void {
    this.mqttOnline = online;
  }

  /** Any other MQTT message of the device: it is connected again, whatever the last LWT said. */
  mqttHeard(): void {
    if (this.mqttOnline === false) this.mqttOnline = true;
  }

  /** Not raised, and not held by an MQTT last will: a CoIoT report keeps it so. */
  get steady(): boolean {
    return !this.latch.on && this.mqttOnline !== false;
  }

  timeoutS(): number {
    return Math.max(this.validityS ?? 0, this.params.offlineFactor * this.params.coiotUpdatePeriodS);
  }

  /** When silence raises `offline` (null: no CoIoT expected); the wake-up too, while the latch is off. */
  deadlineMs(): number | null {
    if (!this.expectCoiot) return null;
    return (this.lastCoiotMs ?? this.startMs) + this.timeoutS() * 1000;
  }

  /** True when the latch changed. */
  evaluate(nowMs: number): boolean {
    const deadline = this.deadlineMs();
    const silent = deadline !== null && nowMs >= deadline;
    if (this.mqttOnline === false) return this.latch.set(true, 'MQTT last will: online=false', nowMs);
    if (silent) {
      const since = this.lastCoiotMs === null ? 'since the agent started' : 'since the last one';
      return this.latch.set(
        true,
        `no CoIoT report for ${Math.round((nowMs - (this.lastCoiotMs ?? this.startMs)) / 1000)} s ${since} (limit ${round1(this.timeoutS())} s)`,
        nowMs,
      );
    }
    return this.latch.set(false, '', nowMs);
  }

  nextWakeMs(): number | null {
    if (this.latch.on) return null;
    return this.deadlineMs();
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
