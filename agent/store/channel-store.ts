import Database from 'better-sqlite3';
import { DoorbellAgentError } from '../core/errors.ts';
import { isStorageFailure } from '../core/storage-failure.ts';
import type { ChannelState } from '../detect/channel.ts';
import type { ChannelStore } from '../detect/detector.ts';

/**
 * The agent's persisted state, in one SQLite file (better-sqlite3: synchronous, so a ring is on disk before the
 * detector's decision leaves the process; WAL + synchronous=FULL so neither `kill -9` nor a power cut loses a
 * committed write). Writes happen only when a channel's state changed, never for periodic re-reports.
 */
export class SqliteStore implements ChannelStore {
  private readonly db: Database.Database;
  private readonly selectChannel: Database.Statement<[string], { json: string }>;
  private readonly upsertChannel: Database.Statement<[string, string]>;
  private readonly runInTransaction: (fn: () => unknown) => unknown;
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
    this.db.pragma('synchronous = FULL');
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
    this.runInTransaction = this.db.transaction((fn: () => unknown) => fn());
  }

  loadChannel(key: string): ChannelState | undefined {
    const row = this.selectChannel.get(key);
    return row ? (JSON.parse(row.json) as ChannelState) : undefined;
  }

  /**
   * Never throws for a full disk or an I/O error: the detector goes on from memory (and the rings of the step
   * still go out); the failure is counted and reported through `onWriteError`.
   */
  saveChannel(key: string, state: ChannelState): void {
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
    return this.runInTransaction(fn) as T;
  }

  close(): void {
    this.db.close();
  }
}
