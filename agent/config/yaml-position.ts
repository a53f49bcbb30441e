import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

/**
 * Where `path` is written in the file: the key of the deepest existing mapping entry on the path (or the item,
 * for a list index). A key that is missing points at its parent, so "required" errors still land on a line.
 */
export function locate(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): Position {
  let node: unknown = doc.contents;
  let at: number = (node as Node | null)?.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) break;
      at = (pair.key as Node | null)?.range?.[0] ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      at = item.range?.[0] ?? at;
      node = item;
    } else break;
  }
  const { line, col } = lines.linePos(at);
  return { line, col };
}
