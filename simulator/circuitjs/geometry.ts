/**
 * Where CircuitJS puts the posts of its multi-post elements, ported from its `setPoints()` so that an imported
 * drawing connects exactly where the app connects it: a post joins whatever has a post at the very same
 * coordinates (`CircuitElm.interpPoint` rounds with `floor(v + .48)`).
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export function pointKey(p: Point): string {
  return `${p.x},${p.y}`;
}

export function describePoint(p: Point): string {
  return `(${p.x},${p.y})`;
}

/** `CircuitElm.interpPoint(a, b, f, g)`: fraction f along a→b, offset g perpendicular to it. */
export function interpPoint(a: Point, b: Point, f: number, g = 0): Point {
  const gx = b.y - a.y;
  const gy = a.x - b.x;
  const scale = g === 0 ? 0 : g / Math.sqrt(gx * gx + gy * gy);
  return {
    x: Math.floor(a.x * (1 - f) + b.x * f + scale * gx + 0.48),
    y: Math.floor(a.y * (1 - f) + b.y * f + scale * gy + 0.48),
  };
}

interface Placed {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly flags: number;
  readonly width?: number;
}

/** `CircuitElm.setPoints`: `dsign` is the sign of dy, or of dx for a horizontal element. */
function dsign(e: Placed): number {
  const dy = e.y2 - e.y1;
  return dy === 0 ? Math.sign(e.x2 - e.x1) : Math.sign(dy);
}

/**
 * `TransformerElm` (`T`): posts 0 and 2 are the primary winding, 1 and 3 the secondary. Flags: 4 reverses the
 * secondary's polarity (swaps posts 1 and 3), 8 draws it vertical and 16 flips it (both CircuitJS 4).
 */
export function transformerPosts(e: Placed): [Point, Point, Point, Point] {
  const vertical = (e.flags & 8) !== 0;
  const width =
    e.width ?? (vertical ? -Math.max(32, Math.abs(e.x2 - e.x1)) : Math.max(32, Math.abs(e.y2 - e.y1)));
  const flip = (e.flags & 16) !== 0 ? -1 : 1;
  const p1 = { x: e.x1, y: e.y1 };
  const p2 = vertical ? { x: e.x1, y: e.y2 } : { x: e.x2, y: e.y1 };
  const g = -dsign(e) * width * flip;
  const posts: [Point, Point, Point, Point] = [p1, p2, interpPoint(p1, p2, 0, g), interpPoint(p1, p2, 1, g)];
  if ((e.flags & 4) !== 0) [posts[1], posts[3]] = [posts[3], posts[1]];
  return posts;
}

export interface RelayPosts {
  /** Per pole: the common (the arm), throw 1 (closed while the relay is off) and throw 2 (closed while on). */
  readonly poles: readonly { readonly common: Point; readonly off: Point; readonly on: Point }[];
  readonly coil: readonly [Point, Point];
}

/**
 * `RelayElm` (`178`): per pole the arm at the first point and its two throws at the second; the coil's two posts
 * beside them. Flags: 1 puts the coil at the other end, 4 spreads it along both sides, 8 flips the drawing.
 */
export function relayPosts(e: Placed, poleCount: number): RelayPosts {
  const p1 = { x: e.x1, y: e.y1 };
  const p2 = { x: e.x2, y: e.y2 };
  const dflip = (e.flags & 8) !== 0 ? -dsign(e) : dsign(e);
  const openhs = -dflip * 16;
  const poles = Array.from({ length: poleCount }, (_, i) => ({
    common: interpPoint(p1, p2, 0, -openhs * 3 * i),
    off: interpPoint(p1, p2, 1, -openhs * 3 * i - openhs),
    on: interpPoint(p1, p2, 1, -openhs * 3 * i + openhs),
  }));
  const bothSides = (e.flags & 1) === 0 && (e.flags & 4) !== 0;
  const end = (e.flags & 1) !== 0 ? 1 : 0;
  const coil: [Point, Point] = bothSides
    ? [interpPoint(p1, p2, 0, openhs * 2), interpPoint(p1, p2, 1, openhs * 2)]
    : [interpPoint(p1, p2, end, openhs * 2), interpPoint(p1, p2, end, openhs * 3)];
  return { poles, coil };
}

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export function boundsOf(points: readonly Point[]): Rect {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}

export function contains(r: Rect, p: Point): boolean {
  return p.x >= r.left && p.x <= r.right && p.y >= r.top && p.y <= r.bottom;
}

/** Distance from a point to a segment. */
export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.min(1, Math.max(0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Distance from a point to a rectangle (0 inside it). */
export function distanceToRect(p: Point, r: Rect): number {
  const dx = Math.max(r.left - p.x, 0, p.x - r.right);
  const dy = Math.max(r.top - p.y, 0, p.y - r.bottom);
  return Math.hypot(dx, dy);
}
