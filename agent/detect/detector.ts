import { channelKey } from '../core/channel-key.ts';
import type { RingEvent } from '../core/events.ts';
import {
  type ChannelNote,
  type ChannelState,
  DEFAULT_TUNING,
  fireDue,
  newChannelState,
  nextWakeMs,
  type RingDecision,
  type StepResult,
  stepChannel,
  type Tuning,
  upgradeChannelState,
} from './channel.ts';
import type { ChimeSettings } from './chime.ts';
import type { Evidence } from './evidence.ts';

/** One configured doorbell input. */
export interface ChannelConfig {
  device: string;
  input: number;
  chime: ChimeSettings;
}

/** Where channel state survives restarts. `save` must keep a copy: the detector goes on mutating its own. */
export interface ChannelStore {
  loadChannel(key: string): ChannelState | undefined;
  saveChannel(key: string, state: ChannelState): void;
}

export interface DetectorOutput {
  rings: RingEvent[];
  notes: Array<ChannelNote & { device: string; input: number }>;
  /** Rising edges the evidence's input saw or implied (heard re-triggers included, copies not): for `chatter`. */
  edges?: number;
}

export type IngestOutcome = DetectorOutput & { known: boolean };

/**
 * All configured channels. Pure apart from the store it is handed: the same object runs live, in `replay`
 * and under fast-check. Times are milliseconds on whatever clock the caller uses; ring `t` is that in seconds.
 */
export class Detector {
  private readonly configs = new Map<string, ChannelConfig>();
  /** Each configured device's id, to itself (see `configuredId`). */
  private readonly devices = new Map<string, string>();
  private readonly states = new Map<string, ChannelState>();
  /** Channels holding credits, so finding the next wake-up does not walk every channel. */
  private readonly pending = new Set<string>();

  constructor(
    channels: ChannelConfig[],
    private readonly store: ChannelStore,
    private readonly tuning: Tuning = DEFAULT_TUNING,
  ) {
    for (const channel of channels) {
      const key = channelKey(channel.device, channel.input);
      this.configs.set(key, channel);
      this.devices.set(channel.device, channel.device);
      // Load now, so credits persisted before a restart fire on time even if the device stays silent.
      this.stateOf(key, channel);
    }
  }

  knows(device: string): boolean {
    return this.devices.has(device);
  }

  /**
   * The configuration's own string for `device`, undefined if it is not configured. A caller that keeps an id for
   * long (a remembered datagram's) keeps this one: the maps keyed by configured ids then find it by identity, without
   * comparing characters in memory the lookup would not otherwise touch.
   */
  configuredId(device: string): string | undefined {
    return this.devices.get(device);
  }

  ingest(evidence: Evidence, nowMs: number): IngestOutcome {
    const key = channelKey(evidence.device, evidence.input);
    const config = this.configs.get(key);
    if (!config) return { rings: [], notes: [], known: this.knows(evidence.device) };
    const state = this.stateOf(key, config);
    const result = stepChannel(state, evidence, nowMs, config.chime, this.tuning);
    return { ...this.settle(key, config, state, result), known: true };
  }

  /** Fires every credit due by `nowMs`. */
  tick(nowMs: number): DetectorOutput {
    const output: DetectorOutput = { rings: [], notes: [] };
    for (const key of [...this.pending]) {
      const config = this.configs.get(key) as ChannelConfig;
      const state = this.stateOf(key, config);
      const settled = this.settle(key, config, state, fireDue(state, nowMs));
      output.rings.push(...settled.rings);
      output.notes.push(...settled.notes);
    }
    output.rings.sort((a, b) => a.t - b.t);
    return output;
  }

  nextWakeMs(): number | null {
    let earliest: number | null = null;
    for (const key of this.pending) {
      const due = nextWakeMs(this.states.get(key) as ChannelState);
      if (due !== null && (earliest === null || due < earliest)) earliest = due;
    }
    return earliest;
  }

  channelState(device: string, input: number): Readonly<ChannelState> | undefined {
    return this.states.get(channelKey(device, input));
  }

  private stateOf(key: string, config: ChannelConfig): ChannelState {
    let state = this.states.get(key);
    if (!state) {
      const stored = this.store.loadChannel(key);
      state = stored
        ? upgradeChannelState(stored, config.device, config.input)
        : newChannelState(config.device, config.input);
      this.states.set(key, state);
      if (state.credits.length > 0) this.pending.add(key);
    }
    return state;
  }

  private settle(
    key: string,
    config: ChannelConfig,
    state: ChannelState,
    result: StepResult,
  ): DetectorOutput {
    if (state.credits.length > 0) this.pending.add(key);
    else this.pending.delete(key);
    if (result.changed) this.store.saveChannel(key, state);
    const output: DetectorOutput = {
      rings: result.rings.map((ring) => toRingEvent(config, ring)),
      notes: result.notes.map((note) => ({ ...note, device: config.device, input: config.input })),
    };
    if (result.edges > 0) output.edges = result.edges;
    return output;
  }
}

function toRingEvent(config: ChannelConfig, ring: RingDecision): RingEvent {
  return {
    type: 'ring',
    t: ring.tMs / 1000,
    device: config.device,
    input: config.input,
    press_id: ring.pressId,
    chime: config.chime.mode,
    hold_s: ring.holdS,
    via: ring.via,
    recovered: ring.recovered,
  };
}

/** A store that lives as long as the process: for tests and for `replay` without `--store`. */
export class MemoryChannelStore implements ChannelStore {
  private readonly saved = new Map<string, string>();
  loadChannel(key: string): ChannelState | undefined {
    const json = this.saved.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as ChannelState);
  }
  saveChannel(key: string, state: ChannelState): void {
    this.saved.set(key, JSON.stringify(state));
  }
}
