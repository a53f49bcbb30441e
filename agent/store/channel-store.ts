import Database from 'better-sqlite3';
import { DoorbellAgentError } from '../core/errors.ts';
import { isStorageFailure } from '../core/storage-failure.ts';
import type { ChannelState } from '../detect/channel.ts';
import type { ChannelStore } from '../detect/detector.ts';
import { WalSync } from './wal-sync.ts';

/**
 * The agent's persisted state, in one SQLite file (better-sqlite3: synchronous, so a step's commit has reached the
 * kernel before the ring it decided leaves the process, and `kill -9` loses nothing committed). WAL with
 * `synchronous = NORMAL` plus a `WalSync` after each commit that wrote: a power cut loses at most the commits of
 * the last sync, never the file's consistency. Writes happen only when a channel's state changed, never for
 * periodic re-reports.
 */
export class SqliteStore implements ChannelStore {
  private readonly db: Database.Database;
  private readonly selectChannel: Database.Statement<[string], { json: string }>;
  private readonly upsertChannel: Database.Statement<[string, string]>;
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  private readonly totalChanges: Database.Statement<[], { n: number }>;
  private changesSynced = 0;
  /** Channel states saved inside the current transaction, written just before it commits (`atomically`). */
  private readonly unsaved = new Map<string, ChannelState>();
  /** Syncs the WAL after commits, off the ring's path. */
  readonly walSync: WalSync;
  /** Channel states that could not be written (disk full, I/O error). */
  writeErrors = 0;
  onWriteError: ((error: unknown) => void) | undefined;

  constructor(readonly path: string) {
    try {
      this.db = new Database(path);
    } catch (error) {
      throw new DoorbellAgentError(
        `store.path: cannot open the database ${path} (${(error as { code?: string }).code ?? (error as Error).message}): give a writable data directory with --data DIR, or set store.path`,
      );
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS channel_state (
        key TEXT PRIMARY KEY,
        json TEXT NOT NULL
      );
    `);
    this.selectChannel = this.db.prepare('SELECT json FROM channel_state WHERE key = ?');
    this.upsertChannel = this.db.prepare(
      'INSERT INTO channel_state (key, json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json',
    );
    this.runInTransaction = this.db.transaction((fn: () => unknown) => {
      try {
        const result = fn();
        for (const [key, state] of this.unsaved) this.writeChannel(key, state);
        return result;
      } finally {
        this.unsaved.clear();
      }
    });
    this.totalChanges = this.db.prepare('SELECT total_changes() AS n');
    this.walSync = new WalSync(`${path}-wal`, (error) => this.onWriteError?.(error));
  }

  loadChannel(key: string): ChannelState | undefined {
    const row = this.selectChannel.get(key);
    return row ? (JSON.parse(row.json) as ChannelState) : undefined;
  }

  /**
   * Never throws for a full disk or an I/O error: the detector goes on from memory (and the rings of the step
   * still go out); the failure is counted and reported through `onWriteError`. Inside `atomically` the write waits
   * for the end of the transaction (the step's rings go out first; the commit takes them together).
   */
  saveChannel(key: string, state: ChannelState): void {
    if (this.db.inTransaction) this.unsaved.set(key, state);
    else this.writeChannel(key, state);
  }

  private writeChannel(key: string, state: ChannelState): void {
    try {
      this.upsertChannel.run(key, JSON.stringify(state));
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.writeErrors++;
      this.onWriteError?.(error);
    }
  }

  /** The open database, for tables that must commit together with channel state (the outbox, address pins). */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Runs `fn` in one SQLite transaction: channel states saved by the detector and the rings queued in the outbox
   * commit together or not at all, so a crash can never leave a press marked as rung but not queued.
   * Nested calls join the outer transaction.
   */
  atomically<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      return this.runInTransaction(fn) as T;
    } finally {
      this.syncIfWritten();
    }
  }

  /** Asks for a WAL sync when anything was written since the last one (a step, a pin, a health state). */
  syncIfWritten(): void {
    const changes = this.totalChanges.get()?.n ?? 0;
    if (changes === this.changesSynced) return;
    this.changesSynced = changes;
    this.walSync.request();
  }

  /** Closing checkpoints the WAL into the database file with a sync of its own. */
  close(): void {
    this.walSync.close();
    this.db.close();
  }
}
