interface Node<K, V> {
  key: K;
  value: V;
  older: Node<K, V> | null;
  newer: Node<K, V> | null;
}

/**
 * A map that knows which key was used least recently: `get` and `set` make a key the newest by moving list
 * pointers, where the usual `Map` trick (delete, then set again) rehashes on every use. The rate limiter and the
 * CoIoT de-duplicator touch an entry for every datagram.
 */
export class LruMap<K, V> {
  private readonly nodes = new Map<K, Node<K, V>>();
  private oldest: Node<K, V> | null = null;
  private newest: Node<K, V> | null = null;

  get size(): number {
    return this.nodes.size;
  }

  /** The value, now the most recently used; undefined if absent. */
  get(key: K): V | undefined {
    const node = this.nodes.get(key);
    if (node === undefined) return undefined;
    this.touch(node);
    return node.value;
  }

  /** The value without making it the most recently used. */
  peek(key: K): V | undefined {
    return this.nodes.get(key)?.value;
  }

  has(key: K): boolean {
    return this.nodes.has(key);
  }

  /** Adds or replaces `key`, now the most recently used. */
  set(key: K, value: V): void {
    const node = this.nodes.get(key);
    if (node !== undefined) {
      node.value = value;
      this.touch(node);
      return;
    }
    const added: Node<K, V> = { key, value, older: this.newest, newer: null };
    if (this.newest !== null) this.newest.newer = added;
    this.newest = added;
    this.oldest ??= added;
    this.nodes.set(key, added);
  }

  delete(key: K): boolean {
    const node = this.nodes.get(key);
    if (node === undefined) return false;
    this.unlink(node);
    this.nodes.delete(key);
    return true;
  }

  /** The least recently used key, if any. */
  oldestKey(): K | undefined {
    return this.oldest?.key;
  }

  /** Keys from the least to the most recently used. */
  *keys(): IterableIterator<K> {
    for (let node = this.oldest; node !== null; node = node.newer) yield node.key;
  }

  private touch(node: Node<K, V>): void {
    if (node === this.newest) return;
    this.unlink(node);
    node.older = this.newest;
    node.newer = null;
    if (this.newest !== null) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
  }

  private unlink(node: Node<K, V>): void {
    if (node.older !== null) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer !== null) node.newer.older = node.older;
    else this.newest = node.older;
    node.older = null;
    node.newer = null;
  }
}
