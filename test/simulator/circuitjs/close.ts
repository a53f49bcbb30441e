/**
 * Where two plain values differ, leaf by leaf; numbers are equal within 1e-9 of the larger of 1 and their size
 * (the drawing holds amplitudes and pack volts, the file RMS values and states: float noise, nothing more).
 */
export function differences(actual: unknown, expected: unknown, path = '$'): string[] {
  if (typeof actual === 'number' && typeof expected === 'number')
    return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(actual), Math.abs(expected))
      ? []
      : [`${path}: ${actual} ≠ ${expected}`];
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null)
    return Object.is(actual, expected)
      ? []
      : [`${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`];
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  return [...keys].flatMap((k) =>
    differences(
      (actual as Record<string, unknown>)[k],
      (expected as Record<string, unknown>)[k],
      `${path}.${k}`,
    ),
  );
}
