import { UINT16_MODULO, uint16Ahead } from '../core/uint16.ts';
import { type HealthParams, Latch } from './types.ts';

/**
 * `missed_reports`: reports that should have arrived and did not, counted over a sliding window.
 *  - CoIoT: the status serial (option 3420) goes up by one per new report, "if you have a packet with serial 4
 *    and the next is with serial 6, it means 5 got lost" (shelly-protocols.md §2.2). Periodic copies keep their
 *    serial; a serial arriving late (reordered) is taken off the missing list; a jump larger than
 *    `maxSerialJump` (a reboot, or a serial read in another byte order) starts over.
 *  - MQTT: a Gen1 Shelly republishes its state every `mqtt_update_period` (30 s by default, §4.1); a silence of
 *    more than `offlineFactor` periods counts the periods in it as missed (longer silences are `offline`).
 */
export class MissedReportsMonitor {
  readonly latch = new Latch();
  /** Serials seen skipped since start (a counter: a late arrival does not take it back), for metrics. */
  serialGapsTotal = 0;
  private lastSerial: number | null = null;
  private readonly missingSerials: Array<{ serial: number; atMs: number }> = [];
  private readonly mqttMissed: number[] = [];
  private lastMqttMs: number | null = null;

  constructor(
    private readonly params: HealthParams,
    /** Gen1 devices republish over MQTT periodically; Gen2 only on change. */
    private readonly mqttPeriodic: boolean,
  ) {}

  /** False for the last serial again (a periodic copy): nothing changed. */
  coiotSerial(serial: number, nowMs: number): boolean {
    if (this.lastSerial === null) {
      this.lastSerial = serial;
      return true;
    }
    const ahead = uint16Ahead(this.lastSerial, serial);
    if (ahead === 0) return false;
    const behind = UINT16_MODULO - ahead;
    if (ahead <= this.params.maxSerialJump) {
      for (let k = 1; k < ahead; k++) {
        this.missingSerials.push({ serial: (this.lastSerial + k) % UINT16_MODULO, atMs: nowMs });
        this.serialGapsTotal++;
      }
      if (this.missingSerials.length > 4 * this.params.maxSerialJump) this.missingSerials.shift();
      this.lastSerial = serial;
    } else if (behind <= this.params.maxSerialJump) {
      const index = this.missingSerials.findIndex((m) => m.serial === serial);
      if (index >= 0) this.missingSerials.splice(index, 1);
    } else {
      this.lastSerial = serial;
      this.missingSerials.length = 0;
    }
    return true;
  }

  mqttHeard(nowMs: number): void {
    const period = this.params.mqttUpdatePeriodS * 1000;
    if (this.mqttPeriodic && period > 0 && this.lastMqttMs !== null) {
      const gap = nowMs - this.lastMqttMs;
      if (gap > this.params.offlineFactor * period && gap <= 10 * period) {
        const missed = Math.round(gap / period) - 1;
        for (let k = 0; k < missed; k++) this.mqttMissed.push(nowMs);
      }
    }
    this.lastMqttMs = nowMs;
  }

  /** Not raised, and no lost report waiting to age out of the window. */
  get steady(): boolean {
    return !this.latch.on && this.missingSerials.length === 0 && this.mqttMissed.length === 0;
  }

  count(nowMs: number): { coiot: number; mqtt: number } {
    const from = nowMs - this.params.missedWindowS * 1000;
    while (this.missingSerials.length > 0 && (this.missingSerials[0]?.atMs ?? 0) <= from)
      this.missingSerials.shift();
    while (this.mqttMissed.length > 0 && (this.mqttMissed[0] ?? 0) <= from) this.mqttMissed.shift();
    return { coiot: this.missingSerials.length, mqtt: this.mqttMissed.length };
  }

  evaluate(nowMs: number): boolean {
    const { coiot, mqtt } = this.count(nowMs);
    if (coiot + mqtt < this.params.missedMax) return this.latch.set(false, '', nowMs);
    const window = `${Math.round(this.params.missedWindowS / 60)} min`;
    return this.latch.set(
      true,
      `${coiot} CoIoT and ${mqtt} MQTT periodic reports lost in the last ${window}`,
      nowMs,
    );
  }

  nextWakeMs(): number | null {
    const oldest = Math.min(this.missingSerials[0]?.atMs ?? Infinity, this.mqttMissed[0] ?? Infinity);
    return Number.isFinite(oldest) ? oldest + this.params.missedWindowS * 1000 : null;
  }
}
