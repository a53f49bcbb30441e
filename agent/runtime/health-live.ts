import type Database from 'better-sqlite3';
import type { Config, DeviceConfig } from '../config/schema.ts';
import type { ProblemEvent, RingEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { HealthRecord } from '../health/record.ts';
import type { HttpServer } from '../io/http-server.ts';
import type { DiscoveryComponent } from '../outputs/ha-discovery.ts';
import { HealthPublisher, healthComponents } from '../outputs/health-publisher.ts';
import type { AgentMetrics } from '../outputs/metrics.ts';
import type { MqttPublisher } from '../outputs/mqtt-publisher.ts';
import { SqliteHealthStore } from '../store/health-store.ts';
import type { Component } from './component.ts';
import { HealthRuntime } from './health-runtime.ts';
import type { StatusLive } from './status-live.ts';

const PUBLISH_COALESCE_MS = 250;
export interface LiveHealthOptions {
  config: Config;
  log: Logger;
  version: string;
  now: () => number;
  /** The agent's SQLite database (health records live beside the channel state). */
  database: Database.Database;
  /** Problems go where the agent's other problems go (the persisted outbox → MQTT). */
  onProblem: (problem: ProblemEvent) => void;
}

/**
 * Health in the running agent: the monitors (its `runtime`, on the decision graph), their state to Home Assistant
 * (retained JSON per doorbell), Prometheus `/metrics` and `/healthz` on `metrics.host:port` (started by `start`).
 * The agent calls `flush()` inside each step and `attach()` once MQTT is up.
 */
export class LiveHealth implements Component {
  readonly name = 'metrics';
  /** Port of `/metrics` and `/healthz` once started; null when `metrics.enabled` is false. */
  port: number | null = null;
  readonly runtime: HealthRuntime;
  /** The Prometheus metrics once started; null when `metrics.enabled` is false. */
  metrics: AgentMetrics | null = null;
  private publisher: HealthPublisher | null = null;
  private mqtt: MqttPublisher | null = null;
  private http: HttpServer | null = null;
  private publishTimer: NodeJS.Timeout | undefined;
  private publishAll = false;
  private readonly startedMs: number;
  /** The status page (`/`), served with the metrics. */
  private status: StatusLive | null = null;

  constructor(private readonly opts: LiveHealthOptions) {
    this.startedMs = opts.now();
    this.runtime = new HealthRuntime(opts.config, new SqliteHealthStore(opts.database), (events) => {
      for (const event of events) {
        if (event.type === 'problem') {
          opts.log.warn('problem', { ...event });
          opts.onProblem(event);
        } else opts.log.info('battery', { ...event });
      }
    });
  }

  records(): HealthRecord[] {
    return this.runtime.monitor?.snapshot(this.opts.now()) ?? [];
  }

  /** Hands the events of the step to `onProblem` (inside the step's transaction) and publishes the states. */
  flush(): void {
    this.runtime.flush();
    this.publishStates();
    this.status?.changed();
  }

  /** Entities for each doorbell's discovery device (none when health is off). */
  components(device: DeviceConfig): Record<string, DiscoveryComponent> {
    if (!this.opts.config.health.enabled) return {};
    return healthComponents(device, this.opts.config.mqtt.base_topic);
  }

  /** MQTT is up: publish the states now and again after every reconnect (a broker may lose retained states). */
  attach(mqtt: MqttPublisher): void {
    if (!this.opts.config.health.enabled) return;
    this.mqtt = mqtt;
    this.publisher = new HealthPublisher(() => mqtt.client, this.opts.config.mqtt.base_topic);
    mqtt.client.on('connect', () => {
      this.publisher?.forget();
      this.publishAll = true;
      this.publishStates();
    });
    this.publishAll = true;
    this.publishStates();
  }

  ringPublished(ring: RingEvent): void {
    this.metrics?.ringPublished(ring, this.opts.now());
    this.status?.ringPublished(ring);
  }

  /**
   * Starts `/metrics`, `/healthz` and the status page when `metrics.enabled`; only then are prom-client, the
   * status page and the HTTP server loaded.
   */
  async start(): Promise<void> {
    const { opts } = this;
    const { metrics: settings } = opts.config;
    if (!settings.enabled) return;
    const [{ AgentMetrics }, { StatusLive }, { startHttpServer }] = await Promise.all([
      import('../outputs/metrics.ts'),
      import('./status-live.ts'),
      import('../io/http-server.ts'),
    ]);
    const metrics = new AgentMetrics(
      opts.version,
      { health: () => this.records(), now: opts.now },
      { devices: opts.config.devices, reorderWindowS: opts.config.detector.reorder_window_s },
    );
    this.metrics = metrics;
    this.status = new StatusLive({
      devices: opts.config.devices,
      version: opts.version,
      now: opts.now,
      startedMs: this.startedMs,
      records: () => this.records(),
      mqttConnected: () => this.mqttConnected(),
      log: opts.log,
    });
    this.http = await startHttpServer({
      host: settings.host,
      port: settings.port,
      allowFrom: settings.allow_from,
      streams: this.status?.streams() ?? {},
      routes: {
        ...this.status?.routes(),
        '/metrics': async () => ({
          status: 200,
          contentType: metrics.contentType,
          body: await metrics.text(),
        }),
        '/healthz': () => this.healthz(),
      },
      onError: (error) => this.opts.log.error('metrics server', { error: String(error) }),
    });
    this.port = this.http.port;
    this.opts.log.info('metrics listening', { host: settings.host, port: this.port });
  }

  /** 200 while the agent runs and reaches its broker (503 otherwise); device problems are in the body. */
  healthz(): { status: number; contentType: string; body: string } {
    const now = this.opts.now();
    const mqttConnected = this.mqttConnected();
    const devices = this.records().map((r) => ({
      device: r.device,
      input: r.input,
      connected: r.connected,
      last_report_age_s: r.lastReportMs === null ? null : Math.round((now - r.lastReportMs) / 1000),
      problems: r.problems.map((p) => p.problem),
      battery_percent: r.battery?.percent ?? null,
    }));
    const body = {
      status: !mqttConnected
        ? 'mqtt_disconnected'
        : devices.some((d) => d.problems.length > 0)
          ? 'problem'
          : 'ok',
      version: this.opts.version,
      uptime_s: Math.round((now - this.startedMs) / 1000),
      mqtt_connected: mqttConnected,
      devices,
    };
    return {
      status: mqttConnected ? 200 : 503,
      contentType: 'application/json',
      body: `${JSON.stringify(body)}\n`,
    };
  }

  async stop(): Promise<void> {
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
    this.status?.stop();
    await this.http?.close();
    this.http = null;
  }

  private mqttConnected(): boolean {
    try {
      return this.mqtt?.client.connected ?? false;
    } catch {
      return false; // stopped
    }
  }

  /**
   * States change on many steps at once (every report of 1,000 Unis moves a last-report time): publish at most every
   * PUBLISH_COALESCE_MS, never from inside the step, and only the doorbells evaluated since (all of them after a
   * connect: the broker may have lost its retained states).
   */
  private publishStates(): void {
    if (this.publishTimer) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.publishNow();
    }, PUBLISH_COALESCE_MS);
    this.publishTimer.unref();
  }

  private publishNow(): void {
    const publisher = this.publisher;
    if (!publisher || !this.mqttConnected()) return;
    const monitor = this.runtime.monitor;
    if (!monitor) return;
    const touched = monitor.takeTouched(this.opts.now());
    const records = this.publishAll ? monitor.snapshot(this.opts.now()) : touched;
    this.publishAll = false;
    publisher
      .publish(records)
      .catch((error: unknown) => this.opts.log.warn('health state not published', { error: String(error) }));
  }
}
