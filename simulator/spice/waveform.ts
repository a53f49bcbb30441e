/** One transient result: a shared time axis and named vectors (`v(node)`, `i(element)`), lower-case as ngspice names them. */
export interface Waveforms {
  readonly time: Float64Array;
  readonly vectors: ReadonlyMap<string, Float64Array>;
}

/** A uniformly sampled signal: value `i` belongs to time `t0 + i * dt`. */
export interface UniformSignal {
  readonly t0: number;
  readonly dt: number;
  readonly values: Float64Array;
}

export function getVector(waves: Waveforms, name: string): Float64Array {
  const vector = waves.vectors.get(name.toLowerCase());
  if (!vector) throw new RangeError(`no vector ${name}; have ${[...waves.vectors.keys()].join(', ')}`);
  return vector;
}

/** Linear interpolation of `values` (on `time`) at `t`; clamps outside the run. */
export function sampleAt(time: Float64Array, values: Float64Array, t: number, hint = 0): number {
  const last = time.length - 1;
  if (t <= time[0]!) return values[0]!;
  if (t >= time[last]!) return values[last]!;
  let i = Math.max(0, Math.min(hint, last - 1));
  while (i > 0 && time[i]! > t) i--;
  while (i < last - 1 && time[i + 1]! < t) i++;
  const t0 = time[i]!;
  const t1 = time[i + 1]!;
  const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
  return values[i]! + f * (values[i + 1]! - values[i]!);
}

/** Resamples a simulator vector (non-uniform timepoints) onto a uniform grid of step `dt`. */
export function resampleUniform(time: Float64Array, values: Float64Array, dt: number): UniformSignal {
  const t0 = time[0]!;
  const n = Math.floor((time[time.length - 1]! - t0) / dt) + 1;
  const out = new Float64Array(n);
  let hint = 0;
  for (let k = 0; k < n; k++) {
    const t = t0 + k * dt;
    while (hint < time.length - 2 && time[hint + 1]! < t) hint++;
    out[k] = sampleAt(time, values, t, hint);
  }
  return { t0, dt, values: out };
}

/** Root mean square of each window of `windowS` ending at every sample (the first window is partial). */
export function slidingRms(signal: UniformSignal, windowS: number): UniformSignal {
  const w = Math.max(1, Math.round(windowS / signal.dt));
  const out = new Float64Array(signal.values.length);
  let sum = 0;
  for (let k = 0; k < signal.values.length; k++) {
    sum += signal.values[k]! ** 2;
    if (k >= w) sum -= signal.values[k - w]! ** 2;
    out[k] = Math.sqrt(Math.max(0, sum) / Math.min(k + 1, w));
  }
  return { ...signal, values: out };
}

/** RMS of a vector between `from` and `to` seconds (trapezoidal over the simulator's own timepoints). */
export function rmsBetween(time: Float64Array, values: Float64Array, from: number, to: number): number {
  let acc = 0;
  let span = 0;
  for (let i = 1; i < time.length; i++) {
    const a = Math.max(time[i - 1]!, from);
    const b = Math.min(time[i]!, to);
    if (b <= a) continue;
    const va = sampleAt(time, values, a, i - 1);
    const vb = sampleAt(time, values, b, i - 1);
    acc += ((va * va + vb * vb) / 2) * (b - a);
    span += b - a;
  }
  return span > 0 ? Math.sqrt(acc / span) : 0;
}
