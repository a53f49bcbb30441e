import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * Makes committed transactions durable against a power cut without holding up the ring that follows the commit.
 *
 * The store runs SQLite in WAL mode with `synchronous = NORMAL`: a commit is an append to the `-wal` file, in the
 * kernel's page cache when it returns, so a killed process (SIGKILL, OOM) loses nothing. A power cut loses what the
 * kernel had not written yet; this follower asks for it to be written (`fdatasync` of the WAL, on libuv's thread
 * pool) after every commit that changed something, one sync at a time, a new one started as soon as the previous
 * ends if commits came meanwhile. SQLite's WAL checksums make a torn tail harmless: recovery keeps the last whole
 * transaction. What a cut can cost is the last sync's worth of commits; `README.md` ("What survives a crash")
 * says what the detector does about it.
 */
export class WalSync {
  private fd: number | null = null;
  private inFlight = false;
  private again = false;
  private idle: Array<() => void> = [];
  /** Completed syncs, and the ones that failed (the next commit tries again). */
  syncs = 0;
  failures = 0;

  constructor(
    private readonly walPath: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** A commit changed the database: sync the WAL soon. */
  request(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.start();
  }

  /** Resolves once every commit requested so far is on disk (or its sync failed). */
  settled(): Promise<void> {
    if (!this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private start(): void {
    try {
      this.fd ??= openSync(this.walPath, 'r');
    } catch (error) {
      this.failures++;
      this.onError(error);
      return;
    }
    this.inFlight = true;
    this.again = false;
    fdatasync(this.fd, (error) => {
      this.inFlight = false;
      if (error) {
        this.failures++;
        this.onError(error);
      } else this.syncs++;
      if (this.again && this.fd !== null) return this.start();
      for (const resolve of this.idle.splice(0)) resolve();
    });
  }
}
