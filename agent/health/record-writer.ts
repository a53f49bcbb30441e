import { type HealthChannel, healthRecord, healthTimes } from './monitor-state.ts';
import type { HealthStore } from './record.ts';

/**
 * Records whose only news is time (report times, the battery model's drift) are written together, at most this
 * often: an SD card is spared, and no write sits on a datagram's path. Changes are written at once.
 */
const TIME_ONLY_EVERY_MS = 60_000;
/** Records written per step of that batch: 1,000 doorbells' worth at once would hold the event loop for ms. */
const BATCH = 200;

/**
 * When each input's health record reaches the store. `status` reads the store, so what it shows of a report time is
 * at most a minute (plus the batch's few steps) old, as before batching; presses, problems and charge are current.
 */
export class HealthRecordWriter {
  /** Channels evaluated since their record was written, with nothing but time to write. */
  private readonly timeOnly = new Set<HealthChannel>();
  /** When `timeOnly` is written (by `writeDue`); null while it is empty. */
  private dueMs: number | null = null;

  constructor(private readonly store: HealthStore) {}

  /**
   * After an evaluation of the channel: written now if `dirty`, else it joins the batch. A record that leaves the
   * batch clears its Shelly's `batched`.
   */
  evaluated(channel: HealthChannel, nowMs: number): void {
    if (channel.dirty) {
      channel.shelly.batched = false;
      this.store.saveHealth(channel.key, healthRecord(channel, nowMs));
      channel.dirty = false;
      if (channel.timeOnly) {
        channel.timeOnly = false;
        this.timeOnly.delete(channel);
      }
    } else if (!channel.timeOnly) {
      channel.timeOnly = true;
      this.timeOnly.add(channel);
      this.dueMs ??= nowMs + TIME_ONLY_EVERY_MS;
    }
  }

  /** When `writeDue` has work; null when nothing waits. */
  nextDueMs(): number | null {
    return this.dueMs;
  }

  /** Writes the oldest BATCH waiting records if due; the rest stay due, for the next tick (a step of its own). */
  writeDue(nowMs: number): void {
    if (this.dueMs === null || nowMs < this.dueMs) return;
    let written = 0;
    for (const channel of this.timeOnly) {
      if (written++ === BATCH) return;
      channel.shelly.batched = false;
      // With a clock-free battery the rest of the record is as last written (it would be `dirty` otherwise).
      if (channel.battery.clockFree) this.store.saveTimes(channel.key, healthTimes(channel, nowMs));
      else this.store.saveHealth(channel.key, healthRecord(channel, nowMs));
      channel.timeOnly = false;
      this.timeOnly.delete(channel);
    }
    this.dueMs = null;
  }
}
