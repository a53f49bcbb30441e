import type { Config } from '../config/schema.ts';
import { DEFAULT_TUNING, type Tuning } from './channel.ts';
import type { ChannelConfig } from './detector.ts';

/** The detector's view of the configuration. */
export function channelsFrom(config: Config): ChannelConfig[] {
  return config.devices.map((device) => ({
    device: device.id,
    input: device.input,
    chime:
      device.chime.mode === 'electronic'
        ? {
            mode: 'electronic',
            durationS: device.chime.duration_s,
            settleS: 0,
            bounceS: device.chime.bounce_s,
          }
        : { mode: 'mechanical', durationS: null, settleS: device.chime.settle_s },
  }));
}

export function tuningFrom(config: Config): Tuning {
  return {
    ...DEFAULT_TUNING,
    reorderWindowMs: config.detector.reorder_window_s * 1000,
    claimWindowMs: config.detector.claim_window_s * 1000,
    electronicToleranceMs: config.detector.electronic_tolerance_s * 1000,
    chatterMergeMs: config.detector.chatter_merge_s * 1000,
    longpushMs: config.detector.longpush_s === null ? null : config.detector.longpush_s * 1000,
    chatterMinEdges: config.health.chatter_min_edges,
    chatterWindowMs: config.health.chatter_window_s * 1000,
  };
}
