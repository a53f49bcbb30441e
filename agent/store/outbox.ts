import type Database from 'better-sqlite3';
import type { ProblemEvent, RingEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import { isStorageFailure } from '../core/storage-failure.ts';

/** What goes through the outbox: everything the agent must not lose between deciding and the broker's PUBACK. */
export type OutboxEvent = RingEvent | ProblemEvent;

export interface OutboxEntry {
  id: number;
  event: OutboxEvent;
}

export interface OutboxStats {
  /** Entries accepted since start. */
  queued: number;
  /** Entries acknowledged by the broker and removed. */
  published: number;
  /** Entries dropped because the outbox was full (problems go first, a ring only when no problem is left). */
  droppedProblems: number;
  droppedRings: number;
  /** Failed send attempts (retried). */
  sendFailures: number;
  /** Entries the database could not take (disk full, I/O error): kept in memory and sent from there. */
  heldInMemory: number;
}

export interface OutboxOptions {
  /** Most entries kept; at the bound the oldest problem, else the oldest ring, makes room. */
  maxEntries: number;
  /** Most entries handed to `send` at once (the rest wait on disk, not in memory). */
  maxInFlight?: number;
  /** Wait before handing a failed entry to `send` again. */
  retryMs?: number;
  log: Logger;
  /** Publishes one entry; resolves once the broker acknowledged it (QoS 1 PUBACK). */
  send(event: OutboxEvent): Promise<void>;
}

/**
 * A persisted queue between the detector and the broker, in the agent's SQLite file (the `outbox` table).
 *
 * `enqueue` is synchronous and meant to run inside `SqliteStore.atomically` together with the detector's state
 * writes: the ring and the state that says it was rung commit in one transaction, so neither `kill -9` nor a
 * power cut can lose a press between deciding and publishing it. Entries are removed only once `send` resolved,
 * i.e. on PUBACK; until then they survive any broker outage and any restart, and go out again in their original
 * order with their original `t` and `press_id` (consumers de-duplicate on `press_id`: QoS 1 is at least once).
 */
export class Outbox {
  readonly stats: OutboxStats = {
    queued: 0,
    published: 0,
    droppedProblems: 0,
    droppedRings: 0,
    sendFailures: 0,
    heldInMemory: 0,
  };
  /** Entries that could not be written, under negative ids (lost with the process, but not while it runs). */
  private readonly memory = new Map<number, OutboxEvent>();
  private memoryId = 0;
  private readonly insert: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[number]>;
  private readonly countAll: Database.Statement<[], { n: number }>;
  private readonly oldestOfKind: Database.Statement<[string], { id: number }>;
  private readonly pendingAfter: Database.Statement<[number, number], { id: number; json: string }>;
  private readonly firstAfter: Database.Statement<[number], { id: number }>;
  /** Entries handed to `send` and not settled, each with the token of its attempt (see `disown`). */
  private readonly inFlight = new Map<number, object>();
  /** Rows the broker acknowledged that the disk would not let us delete: never sent again in this run. */
  private readonly acknowledged = new Set<number>();
  private readonly maxInFlight: number;
  private readonly retryMs: number;
  /** Highest id handed to `send` since the last retry; entries are taken in id order. */
  private cursor = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly options: OutboxOptions,
  ) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
      throw new RangeError('outbox maxEntries must be a positive integer');
    this.maxInFlight = options.maxInFlight ?? 64;
    this.retryMs = options.retryMs ?? 1_000;
    db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        json TEXT NOT NULL
      );
    `);
    this.insert = db.prepare('INSERT INTO outbox (kind, json) VALUES (?, ?)');
    this.remove = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.countAll = db.prepare('SELECT COUNT(*) AS n FROM outbox');
    this.oldestOfKind = db.prepare('SELECT id FROM outbox WHERE kind = ? ORDER BY id LIMIT 1');
    this.pendingAfter = db.prepare('SELECT id, json FROM outbox WHERE id > ? ORDER BY id LIMIT ?');
    this.firstAfter = db.prepare('SELECT id FROM outbox WHERE id > ? ORDER BY id LIMIT 1');
  }

  /** Entries waiting for their PUBACK (including those being sent). */
  get size(): number {
    return (this.countAll.get()?.n ?? 0) + this.memory.size;
  }

  /** Every entry, oldest first (diagnostics and tests). */
  entries(): OutboxEntry[] {
    return this.db
      .prepare<[], { id: number; json: string }>('SELECT id, json FROM outbox ORDER BY id')
      .all()
      .map((row) => ({ id: row.id, event: JSON.parse(row.json) as OutboxEvent }));
  }

  /**
   * Queues one event (synchronously, on disk once the surrounding transaction commits). Call `pump` after, or
   * `sendNow` with the row id returned (null: the database refused it and it waits in memory).
   */
  enqueue(event: OutboxEvent): number | null {
    this.stats.queued++;
    try {
      while ((this.countAll.get()?.n ?? 0) >= this.options.maxEntries) this.dropOne();
      return Number(this.insert.run(event.type, JSON.stringify(event)).lastInsertRowid);
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.options.log.error('outbox: cannot write to the database; keeping the event in memory', {
        kind: event.type,
        error: String(error),
      });
      this.holdInMemory(event);
      return null;
    }
  }

  /**
   * Nothing queued waits to be sent (all of it is in flight or acknowledged) and there is room in flight: an entry
   * queued now may go out at once, in order, without waiting for `pump`.
   */
  caughtUp(): boolean {
    return (
      !this.closed &&
      this.retryTimer === undefined &&
      this.memory.size === 0 &&
      this.inFlight.size < this.maxInFlight &&
      this.firstAfter.get(this.cursor) === undefined
    );
  }

  /** Hands the entry just queued under `id` to `send` before its transaction commits (after `caughtUp`). */
  sendNow(id: number, event: OutboxEvent): void {
    this.cursor = id;
    this.start(id, event);
  }

  /**
   * The transaction that queued these entries (sent with `sendNow`) rolled back: their rows do not exist and their
   * ids may be given again, so what their sends settle to no longer touches the outbox.
   */
  disown(ids: Iterable<number>): void {
    for (const id of ids) {
      this.inFlight.delete(id);
      if (this.cursor >= id) this.cursor = id - 1;
    }
  }

  /**
   * Events whose transaction failed to commit (the disk is full): sent from memory, so the running agent still
   * publishes them; a crash before their PUBACK would lose them, which is all a full disk leaves possible.
   */
  keepInMemory(events: Iterable<OutboxEvent>): void {
    for (const event of events) this.holdInMemory(event);
  }

  private holdInMemory(event: OutboxEvent): void {
    if (this.memory.size >= this.options.maxEntries) {
      const victim = [...this.memory].find(([, e]) => e.type === 'problem') ?? [...this.memory][0];
      if (victim) {
        this.memory.delete(victim[0]);
        if (victim[1].type === 'problem') this.stats.droppedProblems++;
        else this.stats.droppedRings++;
      }
    }
    this.memory.set(--this.memoryId, event);
    this.stats.heldInMemory++;
  }

  /** Hands queued entries to `send`, oldest first, up to `maxInFlight` at a time. Safe to call any time. */
  pump(): void {
    if (this.closed) return;
    let room = this.maxInFlight - this.inFlight.size;
    for (const [id, event] of this.memory) {
      if (room <= 0) return;
      if (this.inFlight.has(id)) continue;
      this.start(id, event);
      room--;
    }
    while (room > 0) {
      const rows = this.pendingAfter.all(this.cursor, room + this.inFlight.size);
      if (rows.length === 0) return;
      for (const row of rows) {
        this.cursor = row.id;
        if (this.inFlight.has(row.id) || this.acknowledged.has(row.id)) continue;
        this.start(row.id, JSON.parse(row.json) as OutboxEvent);
        if (--room === 0) return;
      }
    }
  }

  /**
   * Deletes an acknowledged row. A full disk can refuse even a delete: the row then stays until the next start and
   * goes out once more (at least once; subscribers drop the copy by `press_id`), but not again in this run.
   */
  private forget(id: number): void {
    try {
      this.remove.run(id);
      this.acknowledged.delete(id);
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.acknowledged.add(id);
      this.options.log.error(
        'outbox: cannot delete an acknowledged entry (disk full?); it is kept until restart',
        {
          error: String(error),
        },
      );
    }
  }

  /** Stops handing out entries; what is not acknowledged stays on disk for the next start. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private start(id: number, event: OutboxEvent): void {
    const attempt = {};
    this.inFlight.set(id, attempt);
    let sending: Promise<void>;
    try {
      sending = this.options.send(event);
    } catch (error) {
      sending = Promise.reject(error);
    }
    sending.then(
      () => {
        if (this.inFlight.get(id) !== attempt) return;
        this.inFlight.delete(id);
        if (this.closed) return;
        if (id < 0) this.memory.delete(id);
        else this.forget(id);
        this.stats.published++;
        this.pump();
      },
      (error: unknown) => {
        if (this.inFlight.get(id) !== attempt) return;
        this.inFlight.delete(id);
        this.stats.sendFailures++;
        if (this.closed) return;
        this.options.log.warn('outbox: publish failed, will retry', {
          kind: event.type,
          ...(event.type === 'ring' ? { press_id: event.press_id } : { problem: event.problem }),
          error: String(error),
        });
        this.scheduleRetry();
      },
    );
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      // Re-read from the start, skipping what is still in flight.
      this.cursor = 0;
      this.pump();
    }, this.retryMs);
  }

  private dropOne(): void {
    const problem = this.oldestOfKind.get('problem');
    const victim = problem ?? this.oldestOfKind.get('ring');
    if (!victim) return;
    this.remove.run(victim.id);
    if (problem) this.stats.droppedProblems++;
    else this.stats.droppedRings++;
    this.options.log.warn(
      problem ? 'outbox full: dropped the oldest problem' : 'outbox full: dropped the oldest ring',
      {
        dropped_problems: this.stats.droppedProblems,
        dropped_rings: this.stats.droppedRings,
        max_entries: this.options.maxEntries,
      },
    );
  }
}
