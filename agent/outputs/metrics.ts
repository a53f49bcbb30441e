import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeviceConfig } from '../config/schema.ts';
import type { RingEvent, Via } from '../core/events.ts';
import type { HealthRecord } from '../health/record.ts';
import { HEALTH_PROBLEMS } from '../health/types.ts';

export interface MetricsSource {
  /** The health of every configured doorbell now. */
  health(): readonly HealthRecord[];
  /** Wall clock, ms. */
  now(): number;
}

export interface MetricsOptions {
  /** The configured doorbells: their press counters exist, at 0, from the start. */
  devices: readonly Pick<DeviceConfig, 'id' | 'input' | 'gen'>[];
  /**
   * `detector.reorder_window_s`: a recovered ring is decided this long after its counter step arrived, so its
   * latency is counted from the arrival, not from the decision.
   */
  reorderWindowS: number;
}

/** The paths that can decide a ring for a doorbell of this generation (Gen2 has no CoIoT). */
export function viasOf(gen: DeviceConfig['gen']): Via[] {
  return gen === 'gen1' ? ['coiot', 'mqtt', 'counter'] : ['mqtt', 'counter'];
}

/**
 * The agent's Prometheus metrics (prometheus.io naming: one `doorbell_` prefix, base units, `_total` counters,
 * a `_build_info` pseudo-metric, a `_timestamp_seconds` gauge rather than an age). Labels are the configured
 * `device` id and `input` only: bounded by the config, and every series that can be known in advance exists from
 * the start at 0 (so `rate()` and `increase()` see the first press). Gauges are read from the health monitors at
 * scrape time. Process metrics (`process_*`, `nodejs_*`) come from prom-client's default collectors. A registry of
 * its own, so that tests and several agents in one process do not share metrics.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly presses: Counter<'device' | 'input' | 'via'>;
  private readonly latency: Histogram<'via'>;
  private readonly lastSerialGaps = new Map<string, number>();
  private readonly reorderWindowS: number;

  constructor(version: string, source: MetricsSource, options: MetricsOptions) {
    this.reorderWindowS = options.reorderWindowS;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'doorbell_build_info',
      help: 'Build information; always 1.',
      labelNames: ['version', 'node'],
      registers,
    }).set({ version, node: process.version }, 1);
    this.presses = new Counter({
      name: 'doorbell_presses_total',
      help: 'Presses rung, by the path that decided them (coiot, mqtt, counter = recovered).',
      labelNames: ['device', 'input', 'via'],
      registers,
    });
    this.latency = new Histogram({
      name: 'doorbell_ring_latency_seconds',
      help:
        'From the evidence of a press reaching the agent (the datagram or message with the edge, or the counter ' +
        'step of a recovered press) to the broker acknowledging its ring (PUBACK); includes broker outages.',
      labelNames: ['via'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const vias = new Set<Via>();
    for (const device of options.devices) {
      for (const via of viasOf(device.gen)) {
        this.presses.inc({ device: device.id, input: String(device.input), via }, 0);
        vias.add(via);
      }
    }
    for (const via of vias) this.latency.zero({ via });
    new Gauge({
      name: 'doorbell_problem',
      help: 'Health problem raised (1) or not (0), per doorbell input and problem kind.',
      labelNames: ['device', 'input', 'problem'],
      registers,
      collect() {
        this.reset();
        for (const record of source.health()) {
          const on = new Set(record.problems.map((p) => p.problem));
          for (const problem of HEALTH_PROBLEMS) {
            this.set(
              { device: record.device, input: String(record.input), problem },
              on.has(problem) ? 1 : 0,
            );
          }
        }
      },
    });
    new Gauge({
      name: 'doorbell_battery_ratio',
      help: 'Remaining share of the sense-loop battery (0–1), measured (ADC) or modelled.',
      labelNames: ['device', 'input', 'basis'],
      registers,
      collect() {
        this.reset();
        for (const r of source.health()) {
          if (r.battery)
            this.set(
              { device: r.device, input: String(r.input), basis: r.battery.basis },
              r.battery.percent / 100,
            );
        }
      },
    });
    new Gauge({
      name: 'doorbell_battery_volts',
      help: 'Sense-loop battery voltage measured by the Uni ADC.',
      labelNames: ['device', 'input'],
      registers,
      collect() {
        this.reset();
        for (const r of source.health()) {
          if (r.battery?.volts != null)
            this.set({ device: r.device, input: String(r.input) }, r.battery.volts);
        }
      },
    });
    new Gauge({
      name: 'doorbell_shelly_up',
      help: 'The Shelly is reporting (1), offline (0); absent until first heard.',
      labelNames: ['device'],
      registers,
      collect() {
        this.reset();
        for (const r of source.health())
          if (r.connected !== null) this.set({ device: r.device }, r.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'doorbell_last_report_timestamp_seconds',
      help: 'When the Shelly was last heard (CoIoT or MQTT), Unix seconds; 0 = not heard yet.',
      labelNames: ['device'],
      registers,
      collect() {
        this.reset();
        for (const r of source.health()) this.set({ device: r.device }, (r.lastReportMs ?? 0) / 1000);
      },
    });
    const gaps = this.lastSerialGaps;
    new Counter({
      name: 'doorbell_coiot_serial_gaps_total',
      help: 'CoIoT status serials skipped (reports lost on the way), since the agent started.',
      labelNames: ['device'],
      registers,
      collect() {
        for (const r of source.health()) {
          const seen = gaps.get(r.device);
          if (seen === undefined) {
            gaps.set(r.device, r.serialGapsTotal);
            this.inc({ device: r.device }, 0);
          } else if (r.serialGapsTotal > seen) {
            this.inc({ device: r.device }, r.serialGapsTotal - seen);
            gaps.set(r.device, r.serialGapsTotal);
          }
        }
      },
    });
  }

  /**
   * A ring the broker acknowledged at `ackMs`. The ring's `t` is when the agent decided, on the same clock: the
   * arrival of its edge, or for a recovered ring the end of the reorder window its counter step waited.
   */
  ringPublished(ring: RingEvent, ackMs: number): void {
    this.presses.inc({ device: ring.device, input: String(ring.input), via: ring.via });
    const arrivedS = ring.recovered ? ring.t - this.reorderWindowS : ring.t;
    this.latency.observe({ via: ring.via }, Math.max(0, ackMs / 1000 - arrivedS));
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
