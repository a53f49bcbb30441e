import type { ChimeSpec } from '../emulator/visitor.ts';

/** What the press oracle works with and hands out (see `press-oracle.ts`). */
export interface ProductSettings {
  chime: ChimeSpec;
  settleS: number;
  /** Electronic: a rise this soon after a heard fall is the same press. */
  bounceS: number;
  toleranceS: number;
  reorderS: number;
  chatterMinEdges: number;
  chatterWindowS: number;
}

/** Rings a stretch of the history must produce. */
export interface Expectation {
  units: number[];
  presses: number[];
  min: number;
  max: number;
  /** A live ring (recovered: false) is required for the edge that arrived at this time (ms). */
  liveAtMs: number | null;
  /** Arrivals of high reports: a live ring must follow one within the reorder window. */
  highsMs: number[];
  /** Arrivals of any evidence (edge, counter step, push): a recovered ring must come after one. */
  evidenceMs: number[];
  why: string;
}

export interface DeviceExpectations {
  segments: Expectation[];
  /** `chatter` must be raised / may be / must not be. */
  chatter: 'required' | 'allowed' | 'forbidden';
  /** Distinct pulses whose rise the agent could see as an edge. */
  risesSeen: number;
}

/** Margin around window boundaries for network and event-loop jitter (s). */
export const BOUNDARY_MARGIN_S = 0.15;
