/** The earlier of two optional wake-up times (null: no wake-up wanted). */
export function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
