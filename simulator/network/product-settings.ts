import type { Config } from '../../agent/config/schema.ts';
import type { ProductSettings } from './press-oracle.ts';

/** The electronic bounce window when the configuration names none (the product's documented default). */
export const DEFAULT_BOUNCE_S = 0.3;

/**
 * The product's promises for one configured doorbell, read from its configuration: the windows inside which
 * re-triggers are the same press, and the chatter thresholds. (Settings, not the detector's code.)
 */
export function productSettings(config: Config, device = 0): ProductSettings {
  const d = config.devices[device];
  if (!d) throw new RangeError(`no device ${device} in the configuration`);
  const chime = d.chime as Record<string, unknown> & { mode: 'mechanical' | 'electronic' };
  const detector = config.detector as Record<string, unknown>;
  const bounce = [chime.bounce_s, detector.bounce_s, detector.electronic_bounce_s].find(
    (v): v is number => typeof v === 'number',
  );
  return {
    chime:
      chime.mode === 'electronic'
        ? { mode: 'electronic', durationS: chime.duration_s as number }
        : { mode: 'mechanical' },
    settleS: typeof chime.settle_s === 'number' ? chime.settle_s : 1,
    bounceS: bounce ?? DEFAULT_BOUNCE_S,
    toleranceS: config.detector.electronic_tolerance_s,
    reorderS: config.detector.reorder_window_s,
    chatterMinEdges: config.health.chatter_min_edges,
    chatterWindowS: config.health.chatter_window_s,
  };
}
