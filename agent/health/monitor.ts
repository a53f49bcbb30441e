import { channelKey } from '../core/channel-key.ts';
import { DeadlineLanes } from '../core/deadline-lanes.ts';
import { uint16Ahead } from '../core/uint16.ts';
import { earliest } from '../core/wake.ts';
import { WakeQueue } from '../core/wake-queue.ts';
import type { DetectorOutput } from '../detect/detector.ts';
import type { DeviceNotice, Evidence } from '../detect/evidence.ts';
import {
  channelQuietUntilMs,
  channelsWakeMs,
  channelWakeMs,
  type HealthChannel,
  healthRecord,
  newHealthChannel,
  newShellyState,
  type ShellyState,
} from './monitor-state.ts';
import { problemEvent } from './problem-event.ts';
import type { HealthChannelConfig, HealthRecord, HealthStore } from './record.ts';
import { HealthRecordWriter } from './record-writer.ts';
import type { HealthEvent, HealthParams } from './types.ts';

/** Hold assumed for a press whose hold was not seen (recovered from a counter) on a mechanical chime: the seed's 2 s. */
const UNSEEN_MECHANICAL_HOLD_S = 2;
const MAX_COUNTER_STEP = 64;
/** What `evaluate` returns when nothing changed (frozen: never appended to). */
const NO_EVENTS: HealthEvent[] = Object.freeze([]) as unknown as HealthEvent[];

/**
 * Every health monitor of every configured input, fed from the pipeline (`heard`, `notice`, `detected`) and
 * woken at `nextWakeMs()`. Pure apart from the store it is handed, like the detector: the same object runs live,
 * in `replay` and under fast-check. Returns the contract's `problem` and `battery` events in decision order.
 */
export class HealthMonitor {
  private readonly shellys = new Map<string, ShellyState>();
  private readonly channels = new Map<string, HealthChannel>();
  /** Channels whose published state may have changed since `takeTouched` (not those a quiet re-send reached). */
  private readonly touched = new Set<HealthChannel>();
  /**
   * Each Shelly's next wake-up but for its offline deadline, updated whenever its monitors were evaluated (the only
   * time they change).
   */
  private readonly wakes = new WakeQueue<ShellyState>();
  /** The offline deadlines, apart: every report moves one, in the order they fall due (see `DeadlineLanes`). */
  private readonly offlineDeadlines = new DeadlineLanes<ShellyState>();
  private readonly writer: HealthRecordWriter;

  constructor(
    configs: HealthChannelConfig[],
    params: HealthParams,
    store: HealthStore,
    startMs: number,
    /** Off: a report evaluates every monitor of its Shelly (the plain path a differential test compares with). */
    private readonly options: { quietReports?: boolean } = {},
  ) {
    this.writer = new HealthRecordWriter(store);
    for (const config of configs) {
      let shelly = this.shellys.get(config.device);
      if (!shelly) {
        shelly = newShellyState(config, params, startMs, this.shellys.size, this.offlineDeadlines);
        this.shellys.set(config.device, shelly);
      }
      const key = channelKey(config.device, config.input);
      const saved = store.loadHealth(key);
      const channel = newHealthChannel(config, key, shelly, params, saved);
      if (saved) {
        shelly.lastReportMs ??= saved.lastReportMs;
        shelly.lastReportVia ??= saved.lastReportVia;
        shelly.missed.serialGapsTotal = Math.max(shelly.missed.serialGapsTotal, saved.serialGapsTotal);
      }
      shelly.channels.push(channel);
      this.channels.set(key, channel);
      this.writer.track(channel);
      // Written at once, so that `status` lists every configured doorbell from the start.
      this.writer.evaluated(channel, startMs);
      this.touched.add(channel);
    }
    for (const shelly of this.shellys.values()) this.schedule(shelly, channelsWakeMs(shelly));
  }

  knows(device: string): boolean {
    return this.shellys.has(device);
  }

  /** Every packet or message of a device, copies included: a periodic re-send is a sign of life. */
  heard(notice: DeviceNotice, nowMs: number): HealthEvent[] {
    const shelly = this.shellys.get(notice.device);
    return shelly === undefined ? [] : this.heardFrom(shelly, notice, nowMs);
  }

  /** The state `heard` finds by a notice's device, for a caller of `heardFrom`; undefined: not configured. */
  shellyOf(device: string): ShellyState | undefined {
    return this.shellys.get(device);
  }

  /** `heard`, for a device whose state the caller found once (`shellyOf`): no lookup by its id. */
  heardFrom(shelly: ShellyState, notice: DeviceNotice, nowMs: number): HealthEvent[] {
    // The first report moves `connected` from unknown: everything is looked at, and published.
    const first = shelly.lastReportMs === null;
    shelly.lastReportMs = nowMs;
    shelly.lastReportVia = notice.via;
    if (notice.via === 'coiot') {
      shelly.offline.coiotHeard(nowMs, notice.validityS);
      const news = notice.serial !== undefined && shelly.missed.coiotSerial(notice.serial, nowMs);
      if (
        !first &&
        !news &&
        shelly.calm &&
        nowMs < shelly.quietUntilMs &&
        this.options.quietReports !== false
      )
        return this.reheard(nowMs, shelly);
    } else {
      shelly.offline.mqttHeard();
      shelly.missed.mqttHeard(nowMs);
    }
    return this.evaluate(nowMs, shelly, !first && this.options.quietReports !== false);
  }

  /**
   * A CoIoT report of nothing new (the last serial again) from a `calm` Shelly whose inputs' monitors are quiet:
   * all `evaluate` would do is move the offline deadline and note the report time for the next batch of records,
   * so that is all this does. (The fast paths' property test holds it to the plain path's events and state.)
   */
  private reheard(nowMs: number, shelly: ShellyState): HealthEvent[] {
    const { offline } = shelly;
    // Calm: its latch is off, so the wake-up is the deadline (`nextWakeMs` without a look at the latch).
    const deadline = offline.deadlineMs();
    if (deadline !== null && deadline <= nowMs) return this.evaluate(nowMs, shelly, true);
    this.offlineDeadlines.set(shelly.offlineDeadline, deadline, offline.timeoutS());
    // Its inputs' records carry the new report time at the writer's next sweep.
    this.writer.reported(nowMs);
    return NO_EVENTS;
  }

  /** Decoded device notices: MQTT online/LWT, ADC volts. */
  notice(notice: DeviceNotice, nowMs: number): HealthEvent[] {
    const shelly = this.shellys.get(notice.device);
    if (!shelly) return [];
    if (notice.online !== undefined) shelly.offline.mqttOnlineChanged(notice.online);
    if (notice.adcVolts !== undefined)
      for (const channel of shelly.channels) channel.battery.adc(notice.adcVolts);
    return this.evaluate(nowMs, shelly);
  }

  /** What one piece of evidence (or a detector tick, `null`) did: levels, counters, rings, press ends. */
  detected(evidence: Evidence | null, output: DetectorOutput, nowMs: number): HealthEvent[] {
    const touched = new Set<ShellyState>();
    if (evidence !== null) {
      const channel = this.channels.get(channelKey(evidence.device, evidence.input));
      if (channel) {
        touched.add(channel.shelly);
        this.applyEvidence(channel, evidence, nowMs);
        if (output.edges !== undefined) channel.chatter.rise(nowMs, output.edges);
      }
    }
    for (const ring of output.rings) {
      const channel = this.channels.get(channelKey(ring.device, ring.input));
      if (!channel) continue;
      touched.add(channel.shelly);
      channel.presses++;
      channel.lastRing = {
        tMs: ring.t * 1000,
        pressId: ring.press_id,
        via: ring.via,
        recovered: ring.recovered,
      };
      channel.wiring.ring(ring.recovered);
      if (ring.recovered) {
        const chime = channel.config.chime;
        channel.battery.press(
          chime.mode === 'electronic' ? (chime.durationS ?? 0) : UNSEEN_MECHANICAL_HOLD_S,
        );
      }
      channel.dirty = true;
    }
    for (const note of output.notes) {
      const channel = this.channels.get(channelKey(note.device, note.input));
      if (!channel || note.kind !== 'press_end') continue;
      touched.add(channel.shelly);
      channel.wiring.pressEnd(note.holdS, note.matchesChime);
      channel.battery.press(note.holdS);
      channel.dirty = true;
    }
    return [...touched].flatMap((shelly) => this.evaluate(nowMs, shelly));
  }

  /**
   * Evaluates only the Shellys whose own monitors are due (a wake-up for one doorbell need not walk 1,000), and
   * writes the records that waited for time alone (`HealthRecordWriter`).
   */
  tick(nowMs: number): HealthEvent[] {
    const due = [...new Set([...this.wakes.takeDue(nowMs), ...this.offlineDeadlines.takeDue(nowMs)])].sort(
      (a, b) => a.index - b.index,
    );
    const events = due.flatMap((shelly) => this.evaluate(nowMs, shelly));
    this.writer.writeDue(nowMs);
    return events;
  }

  nextWakeMs(): number | null {
    return earliest(
      earliest(this.wakes.earliest(), this.offlineDeadlines.earliest()),
      this.writer.nextDueMs(),
    );
  }

  /** The records of the channels evaluated since the last call (what a state publisher needs to look at). */
  takeTouched(nowMs: number): HealthRecord[] {
    const records = [...this.touched].map((channel) => healthRecord(channel, nowMs));
    this.touched.clear();
    return records;
  }

  /** The state of every configured input now, as `status`, Home Assistant and `/metrics` show it. */
  snapshot(nowMs: number): HealthRecord[] {
    return [...this.channels.values()].map((channel) => healthRecord(channel, nowMs));
  }

  private applyEvidence(channel: HealthChannel, evidence: Evidence, nowMs: number): void {
    if (evidence.level !== undefined) {
      channel.level = evidence.level;
      channel.stuck.level(evidence.level, nowMs);
    }
    if (evidence.counter !== undefined) {
      channel.wiring.counterValue();
      const value = evidence.counter.value;
      if (channel.counter !== null) {
        const step = uint16Ahead(channel.counter, value);
        if (step >= 1 && step <= MAX_COUNTER_STEP) channel.wiring.counterSteps();
      }
      channel.counter = value;
    }
    if (evidence.completed !== undefined) channel.wiring.counterSteps();
  }

  /**
   * Every monitor of the Shelly looks again; most times nothing changed, and then nothing is allocated.
   * `reportOnly`: after a report, which is input to `offline` and `missed_reports` only. The inputs' monitors are
   * evaluated after each input of their own and at every wake-up, so until `quietUntilMs` evaluating them again
   * would change nothing: they are skipped (a periodic re-send then touches only what it changes). Nor is a channel
   * then `touched`: what is published of it (`healthState`) has not changed, unless its Shelly raised or cleared a
   * problem, or holds one raised (whose detail a report may rewrite).
   */
  private evaluate(nowMs: number, shelly: ShellyState, reportOnly = false): HealthEvent[] {
    const { device, offline, missed } = shelly;
    let events = NO_EVENTS;
    if (offline.evaluate(nowMs)) events = add(events, problemEvent(device, 'offline', offline.latch, nowMs));
    if (missed.evaluate(nowMs))
      events = add(events, problemEvent(device, 'missed_reports', missed.latch, nowMs));
    const shellyChanged = events.length > 0;
    const quiet = reportOnly && nowMs < shelly.quietUntilMs;
    const unseen = quiet && !shellyChanged && !offline.latch.on && !missed.latch.on;
    let channelsWakeMs = quiet ? shelly.channelsWakeMs : null;
    let quietUntilMs = quiet ? shelly.quietUntilMs : Number.POSITIVE_INFINITY;
    for (const channel of shelly.channels) {
      const before = events.length;
      if (!quiet) {
        events = this.evaluateChannel(nowMs, channel, events);
        channelsWakeMs = earliest(channelsWakeMs, channelWakeMs(channel));
        quietUntilMs = Math.min(quietUntilMs, channelQuietUntilMs(channel));
      }
      if (shellyChanged || events.length > before) channel.dirty = true;
      this.writer.evaluated(channel, nowMs);
      if (!unseen) this.touched.add(channel);
    }
    shelly.quietUntilMs = quietUntilMs;
    shelly.channelsWakeMs = channelsWakeMs;
    shelly.calm = offline.steady && missed.steady;
    this.schedule(shelly, channelsWakeMs);
    return events;
  }

  private schedule(shelly: ShellyState, channelsWakeMs: number | null): void {
    const { offline } = shelly;
    this.offlineDeadlines.set(shelly.offlineDeadline, offline.nextWakeMs(), offline.timeoutS());
    this.wakes.set(shelly, earliest(shelly.missed.nextWakeMs(), channelsWakeMs));
  }

  private evaluateChannel(nowMs: number, channel: HealthChannel, events: HealthEvent[]): HealthEvent[] {
    const { device } = channel.config;
    const { stuck, chatter, wiring, battery } = channel;
    if (stuck.evaluate(nowMs)) events = add(events, problemEvent(device, 'input_stuck', stuck.latch, nowMs));
    if (chatter.evaluate(nowMs)) events = add(events, problemEvent(device, 'chatter', chatter.latch, nowMs));
    if (wiring.evaluate(nowMs)) events = add(events, problemEvent(device, 'wiring', wiring.latch, nowMs));
    const charge = battery.evaluate(nowMs);
    if (charge.event) events = add(events, charge.event);
    if (charge.changed) events = add(events, problemEvent(device, 'battery_low', battery.latch, nowMs));
    return events;
  }
}

function add(events: HealthEvent[], event: HealthEvent): HealthEvent[] {
  if (events === NO_EVENTS) return [event];
  events.push(event);
  return events;
}
