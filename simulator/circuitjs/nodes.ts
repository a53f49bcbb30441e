import type { Connector, Part } from './elements.ts';
import { type Point, pointKey } from './geometry.ts';

/** Ground's key: every `g` post and every rail's return. */
const GROUND = 'ground';

/**
 * The drawing's electrical nodes, as CircuitJS finds them (`calculateWireClosure`): posts at the very same
 * coordinates are one node, a wire joins its two ends, all grounds are one node and so are labeled nodes of the
 * same name. A post in the middle of a wire does not touch it.
 */
export class Nodes {
  private readonly parent = new Map<string, string>();
  private readonly points = new Map<string, Point>();

  constructor(connectors: readonly Connector[], parts: readonly Part[]) {
    for (const part of parts) for (const p of part.posts) this.add(p);
    for (const c of connectors) {
      const first = this.add(c.posts[0]!);
      if (c.kind === 'wire') this.union(first, this.add(c.posts[1]!));
      else if (c.kind === 'node') this.union(first, `label:${c.node}`);
      else this.union(first, GROUND);
    }
  }

  /** The node of each terminal of a part, in post order (a rail's ground last). */
  terminals(part: Part): string[] {
    const nodes = part.posts.map((p) => this.find(pointKey(p)));
    return part.kind === 'source' && part.rail ? [...nodes, this.find(GROUND)] : nodes;
  }

  /** For messages: a point of the node (the top-left one), or `ground`. */
  describe(node: string): string {
    const members = [...this.points.entries()].filter(([key]) => this.find(key) === node).map(([, p]) => p);
    if (members.length === 0) return 'ground';
    const p = members.reduce((a, b) => (b.y < a.y || (b.y === a.y && b.x < a.x) ? b : a));
    return `(${p.x},${p.y})`;
  }

  private add(p: Point): string {
    const key = pointKey(p);
    this.points.set(key, p);
    return key;
  }

  find(key: string): string {
    let root = key;
    while (this.parent.has(root)) root = this.parent.get(root)!;
    if (root !== key) this.parent.set(key, root);
    return root;
  }

  private union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}
