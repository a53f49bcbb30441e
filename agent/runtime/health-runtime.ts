import type { Config } from '../config/schema.ts';
import { healthChannelsFrom, healthParamsFrom } from '../health/config.ts';
import { HealthMonitor } from '../health/monitor.ts';
import type { HealthStore } from '../health/record.ts';
import type { HealthEvent } from '../health/types.ts';
import type { PipelineHooks } from './pipeline.ts';

/**
 * The health monitors as `run` and `replay` plug them into a `Pipeline`: hooks that feed the monitor, events held
 * until `flush()` so that they come out after the rings of the same input (the order the agent decided them),
 * and the monitor's own wake-ups. `start()` again after a restart: a new monitor on the same store.
 */
export class HealthRuntime {
  monitor: HealthMonitor | null = null;
  private pending: HealthEvent[] = [];
  /**
   * Monitor calls that wait for `flush()`, in order: once a step has decided a ring, what the monitors do about it
   * (and everything after it in the step) waits until the step's rings are on their way. Empty otherwise.
   */
  private deferred: Array<() => HealthEvent[]> = [];
  private lastTickMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: Config,
    private readonly store: HealthStore,
    private readonly onEvents: (events: HealthEvent[]) => void,
    /** For a differential test: `HealthMonitor`'s options. */
    private readonly monitorOptions: { quietReports?: boolean } = {},
  ) {}

  /** A fresh monitor (its clock starts at `nowMs`) and the pipeline hooks that feed it; none if disabled. */
  start(nowMs: number): PipelineHooks {
    if (!this.config.health.enabled) return {};
    const monitor = new HealthMonitor(
      healthChannelsFrom(this.config),
      healthParamsFrom(this.config),
      this.store,
      nowMs,
      this.monitorOptions,
    );
    this.monitor = monitor;
    this.pending = [];
    this.deferred = [];
    // (No closure is made for a call that runs at once: `onHeard` runs for every datagram.)
    return {
      onHeard: (notice, t) => {
        if (this.deferred.length === 0) this.hold(monitor.heard(notice, t));
        else this.deferred.push(() => monitor.heard(notice, t));
      },
      heardFrom: (device) => {
        const shelly = monitor.shellyOf(device);
        if (shelly === undefined) return undefined;
        return (notice, t) => {
          if (this.deferred.length === 0) this.hold(monitor.heardFrom(shelly, notice, t));
          else this.deferred.push(() => monitor.heardFrom(shelly, notice, t));
        };
      },
      onNotice: (notice, t) => {
        if (this.deferred.length === 0) this.hold(monitor.notice(notice, t));
        else this.deferred.push(() => monitor.notice(notice, t));
      },
      onDetected: (evidence, output, t) => {
        // A ring: what the monitors do about it waits until it is on its way.
        if (this.deferred.length === 0 && output.rings.length === 0)
          this.hold(monitor.detected(evidence, output, t));
        else this.deferred.push(() => monitor.detected(evidence, output, t));
      },
    };
  }

  /** Most inputs raise nothing: then nothing is copied. */
  private hold(events: HealthEvent[]): void {
    if (events.length > 0) this.pending.push(...events);
  }

  /** Runs the calls that waited, then hands over the events decided since the last flush. */
  flush(): void {
    if (this.deferred.length > 0) {
      const calls = this.deferred;
      this.deferred = [];
      for (const call of calls) this.hold(call());
    }
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.onEvents(events);
  }

  /** Runs the monitors' deadlines due by `nowMs` (after the calls that wait); their events wait for `flush()`. */
  due(nowMs: number): void {
    const monitor = this.monitor;
    if (!monitor) return;
    this.lastTickMs = nowMs;
    if (this.deferred.length === 0) this.hold(monitor.tick(nowMs));
    else this.deferred.push(() => monitor.tick(nowMs));
  }

  tick(nowMs: number): void {
    this.due(nowMs);
    this.flush();
  }

  /** When `tick` is next due; never at or before the last tick, so a caller's loop always moves on. */
  nextWakeMs(): number | null {
    const due = this.monitor?.nextWakeMs() ?? null;
    return due === null ? null : Math.max(due, this.lastTickMs + 1);
  }
}
