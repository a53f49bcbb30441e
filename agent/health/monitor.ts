import { channelKey } from '../core/channel-key.ts';
import { uint16Ahead } from '../core/uint16.ts';
import { earliest } from '../core/wake.ts';
import type { DetectorOutput } from '../detect/detector.ts';
import type { DeviceNotice, Evidence } from '../detect/evidence.ts';
import { BatteryMonitor } from './battery.ts';
import { ChatterMonitor } from './chatter.ts';
import { InputStuckMonitor } from './input-stuck.ts';
import { MissedReportsMonitor } from './missed-reports.ts';
import { type HealthChannel, healthRecord, type ShellyState, shellyWakeMs } from './monitor-state.ts';
import { OfflineMonitor } from './offline.ts';
import { problemEvent } from './problem-event.ts';
import type { HealthChannelConfig, HealthRecord, HealthStore } from './record.ts';
import type { HealthEvent, HealthParams, HealthProblem, Latch } from './types.ts';
import { WiringMonitor } from './wiring.ts';

/** Hold assumed for a press whose hold was not seen (recovered from a counter) on a mechanical chime: the seed's 2 s. */
const UNSEEN_MECHANICAL_HOLD_S = 2;
/** Report times alone are written at most this often (SD cards), changes at once. */
const REPORT_PERSIST_MS = 60_000;
const MAX_COUNTER_STEP = 64;

/**
 * Every health monitor of every configured input, fed from the pipeline (`heard`, `notice`, `detected`) and
 * woken at `nextWakeMs()`. Pure apart from the store it is handed, like the detector: the same object runs live,
 * in `replay` and under fast-check. Returns the contract's `problem` and `battery` events in decision order.
 */
export class HealthMonitor {
  private readonly shellys = new Map<string, ShellyState>();
  private readonly channels = new Map<string, HealthChannel>();
  /** Channels evaluated since `takeTouched`: the only ones whose published state can have changed. */
  private readonly touched = new Set<HealthChannel>();

  constructor(
    configs: HealthChannelConfig[],
    params: HealthParams,
    private readonly store: HealthStore,
    startMs: number,
  ) {
    for (const config of configs) {
      let shelly = this.shellys.get(config.device);
      if (!shelly) {
        shelly = {
          device: config.device,
          offline: new OfflineMonitor(params, config.expectCoiot, startMs),
          missed: new MissedReportsMonitor(params, config.gen === 'gen1'),
          lastReportMs: null,
          lastReportVia: null,
          channels: [],
          wakeMs: null,
        };
        this.shellys.set(config.device, shelly);
      }
      const key = channelKey(config.device, config.input);
      const saved = store.loadHealth(key);
      const channel: HealthChannel = {
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
        savedMs: null,
        dirty: true,
      };
      if (saved) {
        shelly.lastReportMs ??= saved.lastReportMs;
        shelly.lastReportVia ??= saved.lastReportVia;
        shelly.missed.serialGapsTotal = Math.max(shelly.missed.serialGapsTotal, saved.serialGapsTotal);
      }
      shelly.channels.push(channel);
      this.channels.set(key, channel);
      // Written at once, so that `status` lists every configured doorbell from the start.
      this.persist(channel, startMs);
      this.touched.add(channel);
    }
    for (const shelly of this.shellys.values()) shelly.wakeMs = shellyWakeMs(shelly);
  }

  knows(device: string): boolean {
    return this.shellys.has(device);
  }

  /** Every packet or message of a device, copies included: a periodic re-send is a sign of life. */
  heard(notice: DeviceNotice, nowMs: number): HealthEvent[] {
    const shelly = this.shellys.get(notice.device);
    if (!shelly) return [];
    shelly.lastReportMs = nowMs;
    shelly.lastReportVia = notice.via;
    if (notice.via === 'coiot') {
      shelly.offline.coiotHeard(nowMs, notice.validityS);
      if (notice.serial !== undefined) shelly.missed.coiotSerial(notice.serial, nowMs);
    } else {
      shelly.offline.mqttHeard();
      shelly.missed.mqttHeard(nowMs);
    }
    return this.evaluate(nowMs, shelly);
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

  /** Evaluates only the Shellys whose own monitors are due: a wake-up for one doorbell need not walk 1,000. */
  tick(nowMs: number): HealthEvent[] {
    const due = [...this.shellys.values()].filter(
      (shelly) => shelly.wakeMs !== null && shelly.wakeMs <= nowMs,
    );
    return due.flatMap((shelly) => this.evaluate(nowMs, shelly));
  }

  nextWakeMs(): number | null {
    let due: number | null = null;
    for (const shelly of this.shellys.values()) due = earliest(due, shelly.wakeMs);
    return due;
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

  private evaluate(nowMs: number, shelly: ShellyState): HealthEvent[] {
    const events: HealthEvent[] = [];
    const problem = (latch: Latch, kind: HealthProblem, changed: boolean) => {
      if (changed) events.push(problemEvent(shelly.device, kind, latch, nowMs));
    };
    problem(shelly.offline.latch, 'offline', shelly.offline.evaluate(nowMs));
    problem(shelly.missed.latch, 'missed_reports', shelly.missed.evaluate(nowMs));
    const shellyChanged = events.length > 0;
    for (const channel of shelly.channels) {
      const before = events.length;
      problem(channel.stuck.latch, 'input_stuck', channel.stuck.evaluate(nowMs));
      problem(channel.chatter.latch, 'chatter', channel.chatter.evaluate(nowMs));
      problem(channel.wiring.latch, 'wiring', channel.wiring.evaluate(nowMs));
      const battery = channel.battery.evaluate(nowMs);
      if (battery.event) events.push(battery.event);
      problem(channel.battery.latch, 'battery_low', battery.changed);
      if (shellyChanged || events.length > before) channel.dirty = true;
      this.persist(channel, nowMs);
      this.touched.add(channel);
    }
    shelly.wakeMs = shellyWakeMs(shelly);
    return events;
  }

  private persist(channel: HealthChannel, nowMs: number): void {
    const due = channel.savedMs === null || nowMs - channel.savedMs >= REPORT_PERSIST_MS;
    if (!channel.dirty && !due) return;
    this.store.saveHealth(channel.key, healthRecord(channel, nowMs));
    channel.savedMs = nowMs;
    channel.dirty = false;
  }
}
