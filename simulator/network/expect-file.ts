import type { DeviceHistory } from './device-history.ts';
import type { DeviceExpectations } from './press-oracle.ts';

/** One ring a replay must print (the shape of the trace contract's `*.expect.json`). */
export interface ExpectedRing {
  device: string;
  input: number;
  t_min: number;
  t_max: number;
  recovered: boolean | null;
  press: string;
}

export interface ExpectFile {
  scenario: string;
  title: string;
  devices: string[];
  rings: ExpectedRing[];
  rings_exact: boolean;
  max_extra_rings: number;
  problems: Array<{ device: string; problem: string; on: boolean }>;
  forbidden_problems: string[];
  notes: string;
}

/** A recovered ring may come this long after the evidence that decides it (reorder window and then some). */
const RECOVERED_WITHIN_S = 1.5;

/**
 * The expectations of a trace, as the contract writes them: a window for every ring that must be printed (a
 * live one from its edge's arrival to the reorder window later), extra rings allowed where the oracle allows
 * them (chatter bursts, presses at a window's boundary), and the problems that must or must not be raised.
 */
export function expectFile(input: {
  scenario: string;
  title: string;
  notes: string;
  device: string;
  history: DeviceHistory;
  expected: DeviceExpectations;
  reorderS: number;
  /** Clock time (ms) of the trace's t = 0. */
  originMs: number;
}): ExpectFile {
  const { history, expected, originMs } = input;
  const s = (ms: number) => (ms - originMs) / 1000;
  const floor = (t: number) => Math.floor(t * 1000) / 1000;
  const ceil = (t: number) => Math.ceil(t * 1000) / 1000;
  const rings: ExpectedRing[] = [];
  let extra = 0;
  for (const seg of expected.segments) {
    extra += seg.max - seg.min;
    if (seg.min === 0) continue;
    const unit = history.units[seg.units[0] as number];
    const rise = unit ? s(unit.firstRiseMs).toFixed(3) : '?';
    const live = seg.liveAtMs !== null;
    const from = live ? s(seg.liveAtMs as number) : s(Math.min(...seg.evidenceMs));
    const to = live ? from + input.reorderS : s(Math.max(...seg.evidenceMs)) + RECOVERED_WITHIN_S;
    rings.push({
      device: input.device,
      input: 0,
      t_min: floor(from),
      t_max: ceil(to),
      recovered: live ? false : null,
      press: `presses ${seg.presses.join('+') || '-'} (rise ${rise}): ${seg.why}`,
    });
  }
  return {
    scenario: input.scenario,
    title: input.title,
    devices: [input.device],
    rings,
    rings_exact: extra === 0,
    max_extra_rings: extra,
    problems: expected.chatter === 'required' ? [{ device: input.device, problem: 'chatter', on: true }] : [],
    forbidden_problems: expected.chatter === 'forbidden' ? ['chatter'] : [],
    notes: input.notes,
  };
}
