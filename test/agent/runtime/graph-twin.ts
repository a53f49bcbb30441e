import { type ConfigInput, configSchema } from '../../../agent/config/schema.ts';
import type { Logger } from '../../../agent/core/logger.ts';
import { MemoryChannelStore } from '../../../agent/detect/detector.ts';
import { MemoryHealthStore } from '../../../agent/health/record.ts';
import { healthState } from '../../../agent/outputs/health-publisher.ts';
import { buildDecisionGraph, type DecisionGraph } from '../../../agent/runtime/decision-graph.ts';
import { HealthRuntime } from '../../../agent/runtime/health-runtime.ts';
import { pinsFrom } from '../../../agent/runtime/security-setup.ts';
import type { AddressPins } from '../../../agent/security/address-pins.ts';
import { hostOf } from '../../../agent/security/source-address.ts';

/**
 * One decision graph built as `run` builds it (pins and rate limits on, health on its hooks), on a virtual clock,
 * with everything it says written down in `record`: decisions, health events, every hook call (forwarded copies
 * included) and log line. Two of them fed the same inputs must write the same record.
 */
export class GraphTwin {
  readonly record: unknown[] = [];
  readonly graph: DecisionGraph;
  readonly pins: AddressPins;
  readonly healthStore = new MemoryHealthStore();
  readonly channelStore = new MemoryChannelStore();
  /**
   * Doorbells whose published health state (`healthState`, what Home Assistant sees) a step changed without
   * `takeTouched` naming them: the live publisher, which publishes only those, would have kept a stale state.
   */
  readonly unpublished: Array<{ step: string; atMs: number; key: string }> = [];
  private readonly health: HealthRuntime;
  private clockMs: number;

  constructor(input: ConfigInput, startMs: number, options: { resendCache: boolean; quietReports: boolean }) {
    const config = configSchema.parse(input);
    const write = (...entry: unknown[]) => this.record.push(entry);
    const log: Logger = {
      debug: (msg, fields) => write('debug', msg, fields),
      info: (msg, fields) => write('info', msg, fields),
      warn: (msg, fields) => write('warn', msg, fields),
      error: (msg, fields) => write('error', msg, fields),
    };
    this.health = new HealthRuntime(config, this.healthStore, (events) => write('health', events), {
      quietReports: options.quietReports,
    });
    this.pins = pinsFrom(config) as AddressPins;
    this.clockMs = startMs;
    this.graph = buildDecisionGraph({
      config,
      log,
      channels: this.channelStore,
      health: this.health,
      pins: this.pins,
      hooks: {
        onProblem: (problem) => write('problem', problem),
        onAddressToVerify: (device, address, reason) => write('verify', device, address, reason),
        onNewCoiotDevice: (device, type, host) => write('new device', device, type, host),
        onCoiotAccepted: (bytes, device, nowMs) => write('forward', bytes.toString('hex'), device, nowMs),
      },
      startMs,
      resendCache: options.resendCache,
    });
  }

  /**
   * Fires what is due up to `ms`, then sets the clock there (it may also step back, as a wall clock can). A wake-up
   * the clock has already passed (see `late`) fires now, as `run`'s timer does when it fires late.
   */
  advance(ms: number): void {
    for (let due = this.graph.nextWakeMs(); due !== null && due <= ms; due = this.graph.nextWakeMs()) {
      const at = Math.max(due, this.clockMs);
      this.published('tick', at, () => this.decided('tick', this.graph.tick(at)));
    }
    this.clockMs = ms;
  }

  /** Moves the clock with no wake-up fired: inputs arrive before a timer due meanwhile (a busy event loop). */
  late(ms: number): void {
    this.clockMs = ms;
  }

  /** A datagram as `run`'s decision loop takes it: rate limits first, then the decision. */
  coiot(bytes: Buffer, source: string): void {
    const address = hostOf(source);
    const sender = this.graph.pipeline.admitCoiotFrom(address, this.clockMs);
    if (sender === null) return;
    this.published('coiot', this.clockMs, () =>
      this.decided('coiot', this.graph.pipeline.decideCoiot(bytes, source, sender, this.clockMs)),
    );
  }

  /** A Shelly MQTT message (never retained here), as `run` hands it over. */
  mqtt(topic: string, payload: string): void {
    this.published('mqtt', this.clockMs, () =>
      this.decided('mqtt', this.graph.pipeline.mqttMessage(topic, Buffer.from(payload), false, this.clockMs)),
    );
  }

  /** What the graph holds besides the record: counters, pins, the health and channel stores, what `status` shows. */
  state(): unknown {
    const { pipeline } = this.graph;
    return {
      stats: pipeline.stats,
      pins: this.pins.stats,
      discovered: this.pins.discoveredDevices(),
      health: this.health.monitor?.snapshot(this.clockMs),
      healthStore: this.healthStore.keys().map((key) => this.healthStore.loadHealth(key)),
      nextWakeMs: this.graph.nextWakeMs(),
    };
  }

  /** Runs `step` and notes each doorbell whose published state it changed (both read at `atMs`) but did not touch. */
  private published(step: string, atMs: number, run: () => void): void {
    const monitor = this.health.monitor;
    if (!monitor) {
      run();
      return;
    }
    const states = () =>
      new Map(monitor.snapshot(atMs).map((r) => [`${r.device}/${r.input}`, JSON.stringify(healthState(r))]));
    monitor.takeTouched(atMs);
    const before = states();
    run();
    const touched = new Set(monitor.takeTouched(atMs).map((r) => `${r.device}/${r.input}`));
    for (const [key, state] of states())
      if (state !== before.get(key) && !touched.has(key)) this.unpublished.push({ step, atMs, key });
  }

  private decided(kind: string, output: { rings: unknown[]; notes: unknown[] }): void {
    if (output.rings.length > 0 || output.notes.length > 0) this.record.push([kind, output]);
    this.health.flush();
  }
}
