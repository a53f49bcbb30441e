import type { Evidence } from '../../agent/detect/evidence.ts';

/**
 * A small model of what a Gen1 Uni (or a Plus Uni) says about one input, at the evidence level: the same shape
 * the decoders produce. Used by the detector's property tests to script presses, faults and restarts.
 */
export interface Press {
  startMs: number;
  holdMs: number;
}

export interface Delivery {
  atMs: number;
  evidence: Evidence;
}

export interface TrafficOptions {
  device: string;
  input: number;
  gen: 'gen1' | 'gen2';
  paths: Array<'coiot' | 'mqtt'>;
  coiotPeriodMs: number;
  mqttPeriodMs: number;
  /** Device reboots (counter back to 0), at idle. */
  rebootsAtMs: number[];
  endMs: number;
  initialCounter: number;
}

interface Emission {
  atMs: number;
  level: boolean;
  counter: number;
  event: string;
  /** Which kind of report: a change (edge or event) or a periodic re-report. */
  cause: 'rise' | 'fall' | 'periodic' | 'boot';
  pressIndex: number | null;
}

/** Everything the device would send, in emission order, before any network fault. */
export function emitTraffic(presses: Press[], options: TrafficOptions): Array<Delivery & { cause: string }> {
  const changes: Emission[] = [];
  let counter = options.initialCounter;
  const timeline: Array<{ atMs: number; kind: 'rise' | 'fall' | 'boot'; press: number | null }> = [];
  presses.forEach((press, index) => {
    timeline.push({ atMs: press.startMs, kind: 'rise', press: index });
    timeline.push({ atMs: press.startMs + press.holdMs, kind: 'fall', press: index });
  });
  for (const at of options.rebootsAtMs) timeline.push({ atMs: at, kind: 'boot', press: null });
  timeline.sort((a, b) => a.atMs - b.atMs);
  let level = false;
  for (const step of timeline) {
    if (step.kind === 'boot') counter = 0;
    if (step.kind === 'rise') level = true;
    if (step.kind === 'fall') {
      level = false;
      counter = (counter + 1) % 65_536;
    }
    changes.push({
      atMs: step.atMs,
      level,
      counter,
      event: step.kind === 'fall' ? 'S' : '',
      cause: step.kind,
      pressIndex: step.press,
    });
  }

  const stateAt = (atMs: number): { level: boolean; counter: number } => {
    let current = { level: false, counter: options.initialCounter };
    for (const change of changes) if (change.atMs <= atMs) current = change;
    return current;
  };

  const out: Array<Delivery & { cause: string }> = [];
  const base = { device: options.device, input: options.input };
  for (const change of changes) {
    for (const via of options.paths) {
      if (options.gen === 'gen2') {
        if (change.cause === 'boot') continue;
        out.push({ atMs: change.atMs, cause: change.cause, evidence: { ...base, via, level: change.level } });
        if (change.cause === 'fall') {
          out.push({
            atMs: change.atMs + 1,
            cause: 'event',
            evidence: {
              ...base,
              via,
              completed: { presses: 1, key: `input:${options.input}|single_push|${change.atMs}` },
            },
          });
        }
        continue;
      }
      const counterField = { value: change.counter, event: change.event };
      if (via === 'coiot') {
        out.push({
          atMs: change.atMs,
          cause: change.cause,
          evidence: { ...base, via, level: change.level, counter: counterField },
        });
      } else {
        out.push({ atMs: change.atMs, cause: change.cause, evidence: { ...base, via, level: change.level } });
        if (change.cause === 'fall' || change.cause === 'boot') {
          out.push({
            atMs: change.atMs + 1,
            cause: change.cause,
            evidence: { ...base, via, counter: counterField },
          });
        }
      }
    }
  }
  // Periodic re-reports: CoIoT carries the whole state; Gen1 MQTT re-sends input/<i> only.
  for (const via of options.paths) {
    const period = via === 'coiot' ? options.coiotPeriodMs : options.mqttPeriodMs;
    const times: number[] = [];
    for (let at = via === 'coiot' ? 1_000 : 2_000; at <= options.endMs; at += period) times.push(at);
    // The report a Uni sends while it is still up before a reboot: the last word on its old counter.
    for (const boot of options.rebootsAtMs) times.push(boot - 3_000);
    for (const at of times) {
      const state = stateAt(at);
      const evidence: Evidence =
        via === 'coiot' && options.gen === 'gen1'
          ? { ...base, via, level: state.level, counter: { value: state.counter, event: '' } }
          : { ...base, via, level: state.level };
      out.push({ atMs: at, cause: 'periodic', evidence });
    }
  }
  out.sort((a, b) => a.atMs - b.atMs);
  return out;
}
