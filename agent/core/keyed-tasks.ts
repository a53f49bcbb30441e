/**
 * Asynchronous work for keys (a device's address to check, its description to fetch), at most `concurrency` at once
 * and the rest waiting in arrival order, at most `maxWaiting` of them: a fleet's first contact (1,000 Unis at once)
 * neither opens a socket per Uni nor loses the work beyond the first few. A key already waiting or running is not
 * added again. (Hand-written: `p-limit` and `p-queue` neither bound their queue nor know a key twice.)
 */
export class KeyedTasks {
  /** The keys of the tasks running or waiting. */
  private readonly keys = new Set<string>();
  private readonly waiting: Array<{ key: string; run: () => Promise<unknown> }> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {}

  /** Tasks running or waiting. */
  get size(): number {
    return this.keys.size;
  }

  /**
   * Runs `run` now, or when a running task ends; false if not taken (its key is waiting or running, or too many
   * wait). What `run` resolves or rejects to is its own: handle it inside.
   */
  add(key: string, run: () => Promise<unknown>): boolean {
    if (this.keys.has(key)) return false;
    const room = this.keys.size - this.waiting.length < this.concurrency;
    if (!room && this.waiting.length >= this.maxWaiting) return false;
    this.keys.add(key);
    if (room) this.start(key, run);
    else this.waiting.push({ key, run });
    return true;
  }

  private start(key: string, run: () => Promise<unknown>): void {
    let work: Promise<unknown>;
    try {
      work = run();
    } catch (error) {
      work = Promise.reject(error);
    }
    work
      .catch(() => {})
      .finally(() => {
        this.keys.delete(key);
        const next = this.waiting.shift();
        if (next) this.start(next.key, next.run);
      });
  }
}
