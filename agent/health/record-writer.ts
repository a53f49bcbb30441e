import { type HealthChannel, healthRecord, healthTimes } from './monitor-state.ts';
import type { HealthStore } from './record.ts';

/**
 * Records whose only news is time (report times, the battery model's drift) are written together, at most this
 * often: an SD card is spared, and no write sits on a datagram's path. Changes are written at once.
 */
const TIME_ONLY_EVERY_MS = 60_000;
/** Records written per step of a sweep: 1,000 doorbells' worth at once would hold the event loop for ms. */
const BATCH = 200;

/**
 * When each input's health record reaches the store. `status` reads the store, so what it shows of a report time is
 * at most a minute (plus the sweep's few steps) old; presses, problems and charge are current.
 *
 * A report costs the writer nothing but a due time: a sweep a minute after the first report since the last sweep
 * looks at every input and writes those evaluated (`timeOnly`) or reported (`writtenReportMs`) since their record
 * was written, `BATCH` a step. (Keeping a set of waiting inputs instead cost a hash insert and delete per input per
 * minute, on the path of the re-sends.)
 */
export class HealthRecordWriter {
  /** Every input, in the order a sweep visits them. */
  private readonly channels: HealthChannel[] = [];
  /** When the next sweep is due; null while nothing waits. */
  private dueMs: number | null = null;
  /** Where the sweep in progress goes on; null when none is. */
  private cursor: number | null = null;
  /** Something came to write after the sweep in progress began: another is due a minute after it ends. */
  private waitingAgain = false;

  constructor(private readonly store: HealthStore) {}

  /** An input whose records this writes. */
  track(channel: HealthChannel): void {
    this.channels.push(channel);
  }

  /** A report moved the report time of a Shelly's inputs (their `shelly.lastReportMs`), with nothing else. */
  reported(nowMs: number): void {
    this.waiting(nowMs);
  }

  /** After an evaluation of the channel: written now if `dirty`, else it waits for the next sweep. */
  evaluated(channel: HealthChannel, nowMs: number): void {
    if (channel.dirty) {
      this.store.saveHealth(channel.key, healthRecord(channel, nowMs));
      channel.dirty = false;
      channel.timeOnly = false;
      channel.writtenReportMs = channel.shelly.lastReportMs;
    } else {
      channel.timeOnly = true;
      this.waiting(nowMs);
    }
  }

  /** When `writeDue` has work; null when nothing waits. */
  nextDueMs(): number | null {
    return this.dueMs;
  }

  /** Writes the next BATCH waiting records if due; the rest stay due, for the next tick (a step of its own). */
  writeDue(nowMs: number): void {
    if (this.dueMs === null || nowMs < this.dueMs) return;
    if (this.cursor === null) {
      this.cursor = 0;
      this.waitingAgain = false;
    }
    let written = 0;
    for (; this.cursor < this.channels.length; this.cursor++) {
      const channel = this.channels[this.cursor] as HealthChannel;
      const reportMs = channel.shelly.lastReportMs;
      if (!channel.timeOnly && reportMs === channel.writtenReportMs) continue;
      if (written++ === BATCH) return;
      // With a clock-free battery the rest of the record is as last written (it would be `dirty` otherwise).
      if (channel.battery.clockFree) this.store.saveTimes(channel.key, healthTimes(channel, nowMs));
      else this.store.saveHealth(channel.key, healthRecord(channel, nowMs));
      channel.timeOnly = false;
      channel.writtenReportMs = reportMs;
    }
    this.cursor = null;
    this.dueMs = this.waitingAgain ? nowMs + TIME_ONLY_EVERY_MS : null;
  }

  private waiting(nowMs: number): void {
    if (this.dueMs === null) this.dueMs = nowMs + TIME_ONLY_EVERY_MS;
    else if (this.cursor !== null) this.waitingAgain = true;
  }
}
