import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { earliest } from '../core/wake.ts';
import { type ChannelStore, Detector, type DetectorOutput } from '../detect/detector.ts';
import { channelsFrom, tuningFrom } from '../detect/from-config.ts';
import type { AddressPins } from '../security/address-pins.ts';
import type { HealthRuntime } from './health-runtime.ts';
import { Pipeline, type PipelineHooks } from './pipeline.ts';
import { securityFrom } from './security-setup.ts';

export interface DecisionGraphOptions {
  config: Config;
  log: Logger;
  /** Where channel state outlives the graph (SQLite live, memory in `replay`). */
  channels: ChannelStore;
  /** Health outlives the graph too: `start` gives it a fresh monitor on the same store. */
  health: HealthRuntime;
  /** Persisted address pins (undefined when `security.pin_addresses` is off). */
  pins: AddressPins | undefined;
  /** What the caller does with problems, addresses to verify and new CoIoT devices. */
  hooks: Pick<PipelineHooks, 'onProblem' | 'onAddressToVerify' | 'onNewCoiotDevice' | 'onCoiotAccepted'>;
  /** When this graph starts (ms on the caller's clock): the health monitor's clock starts here. */
  startMs: number;
  /** False: decode every CoIoT datagram, re-sends too (the plain path a differential test compares with). */
  resendCache?: boolean;
}

/** Everything that turns bytes into decisions, with no sockets, timers or disks: what `run` and `replay` share. */
export interface DecisionGraph {
  pipeline: Pipeline;
  detector: Detector;
  /** When `tick` is next due (a counter credit or a health deadline); null when nothing waits. */
  nextWakeMs(): number | null;
  /**
   * Fires what is due by `nowMs`: recovered rings, then the health monitors' deadlines, whose events wait for
   * `health.flush()` so that they come out after the rings.
   */
  tick(nowMs: number): DetectorOutput;
}

/**
 * Builds the decision graph: detector → pipeline (decoders, de-duplication, pins and rate limits) with the health
 * monitors on its hooks. `run` builds it once per process, `replay` once per `agent-restart` line.
 */
export function buildDecisionGraph(options: DecisionGraphOptions): DecisionGraph {
  const { config, health } = options;
  const detector = new Detector(channelsFrom(config), options.channels, tuningFrom(config));
  const pipeline = new Pipeline(
    detector,
    options.log,
    { ...options.hooks, ...health.start(options.startMs) },
    securityFrom(config, options.pins),
    { resendCache: options.resendCache ?? true },
  );
  return {
    pipeline,
    detector,
    nextWakeMs: () => earliest(detector.nextWakeMs(), health.nextWakeMs()),
    tick: (nowMs) => {
      const output = pipeline.tick(nowMs);
      health.due(nowMs);
      return output;
    },
  };
}
