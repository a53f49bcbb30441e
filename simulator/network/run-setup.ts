import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Config, configSchema } from '../../agent/config/schema.ts';
import type { Logger } from '../../agent/core/logger.ts';
import type { RingPayload } from '../../agent/outputs/ha-discovery.ts';
import type { UniGen, WireSend } from '../emulator/uni.ts';
import type { ChimeSpec, ClosureModel, Press } from '../emulator/visitor.ts';
import type { FirmwareKnobs } from '../uni/knobs.ts';
import type { Burst } from './device-history.ts';
import type { FaultPlan } from './faults.ts';
import type { DeviceExpectations } from './press-oracle.ts';
import type { ScriptStep } from './script.ts';
import type { TraceRecorder } from './trace-recorder.ts';

export type Paths = 'coiot' | 'mqtt' | 'both';

export interface DoorbellRunOptions {
  gen: UniGen;
  /** Gen1 only: which paths the Unis use (Plus: MQTT). */
  paths?: Paths;
  devices: number;
  /** Per device: the visitor's presses, seconds from the start of the presses. */
  presses: Press[][];
  /** Per device: chatter bursts (the relay closing by itself), seconds from the start of the presses. */
  bursts?: Burst[][];
  chime: ChimeSpec;
  /** What the firmware does where it is unconfirmed (every device). */
  knobs?: Partial<FirmwareKnobs>;
  /** Press → logical input: the SPICE circuit, or ideal wiring (default). */
  closureModel?: ClosureModel;
  faults?: { coiot?: FaultPlan; mqtt?: FaultPlan };
  script?: ScriptStep[];
  seed: number;
  /** External broker; default: the agent's embedded broker on a free loopback port. */
  brokerUrl?: string;
  /**
   * A broker this run may stop and start, for `broker-outage` script steps (its URL replaces `brokerUrl`). It
   * should keep sessions across restarts (persistence), since the subscriber reading the rings back is one.
   */
  broker?: { url: string; stop(): Promise<void>; start(): Promise<void> };
  /** Device timers; defaults are the real ones (the `coiotPeriodS` knob, 5 s, 30 s). Scaled down in tests. */
  coiotPeriodS?: number;
  eventLifetimeS?: number;
  mqttPeriodS?: number;
  bootS?: number;
  /** Quiet time before the first press (baselines, not subject to faults), and after the last. */
  warmupS?: number;
  tailS?: number;
  onRing?: (ring: SeenRing) => void;
  onSend?: (device: number, send: WireSend) => void;
  log?: Logger;
  /** A unique topic namespace on a shared broker. */
  baseTopic?: string;
}

export interface SeenRing {
  payload: RingPayload;
  /** Broker to subscriber, ms on the wall clock. */
  receivedMs: number;
  device: number;
  /** Index of the closure (or chatter burst) it was matched to on that device, -1 if none. */
  closure: number;
  /** From the logical rising edge of its closure to the subscriber, ms. */
  latencyMs: number | null;
}

export interface ClosureOutcome {
  device: number;
  index: number;
  riseMs: number;
  /** Evidence that must make it ring reached the agent. */
  reached: boolean;
  rings: number;
}

export interface DoorbellRunResult {
  rings: SeenRing[];
  closures: ClosureOutcome[];
  /** Presses that were swallowed by an electronic chime's hold (not expected to ring). */
  swallowed: number;
  /** What the oracle expected of each device. */
  expected: DeviceExpectations[];
  /** The agent's pipeline counters (duplicates, stale, …), summed over restarts. */
  stats: Record<string, number>;
  trace: TraceRecorder;
  /** The agent configuration, as YAML, for `doorbell-agent replay`. */
  configYaml: string;
  /** Problems with the run's outcome (empty = every rule held). */
  violations: string[];
  wallMs: number;
}

const MAC_BASE = 0x98cdac000000;

export function macOf(seed: number, index: number): string {
  return (MAC_BASE + ((seed & 0xfff) << 12) + index).toString(16).toUpperCase().padStart(12, '0').slice(-12);
}

/** Device ids and the agent's configuration for a run (and its YAML, for replaying the trace). */
export function runConfig(
  options: DoorbellRunOptions,
  coiotPort: number,
  dir: string,
): { ids: string[]; config: Config; configYaml: string; paths: Paths; base: string } {
  const paths: Paths = options.gen === 'plus' ? 'mqtt' : (options.paths ?? 'both');
  const base = options.baseTopic ?? 'doorbell';
  const ids = Array.from({ length: options.devices }, (_, i) =>
    options.gen === 'gen1'
      ? `shellyuni-${macOf(options.seed, i)}`
      : `shellyplusuni-${macOf(options.seed, i).toLowerCase()}`,
  );
  const configInput = {
    mqtt: {
      url: options.broker?.url ?? options.brokerUrl ?? null,
      base_topic: base,
      client_id: `${base}-agent`,
    },
    embedded_broker: { host: '127.0.0.1', port: 0 },
    homeassistant: { enabled: false },
    coiot: { enabled: paths !== 'mqtt', listen: '127.0.0.1', port: coiotPort, multicast: false },
    shelly_mqtt: { enabled: paths !== 'coiot' },
    store: { path: join(dir, 'state.sqlite') },
    devices: ids.map((id) => ({
      id,
      chime:
        options.chime.mode === 'mechanical'
          ? { mode: 'mechanical' as const }
          : { mode: 'electronic' as const, duration_s: options.chime.durationS },
    })),
  };
  return {
    ids,
    config: configSchema.parse(configInput),
    configYaml: stringify({ ...configInput, mqtt: { ...configInput.mqtt, url: null } }),
    paths,
    base,
  };
}
