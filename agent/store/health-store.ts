import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isStorageFailure } from '../core/storage-failure.ts';
import type { HealthRecord, HealthStore, HealthTimes } from '../health/record.ts';

const CREATE = `
  CREATE TABLE IF NOT EXISTS health_status (
    key TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    saved_ms INTEGER NOT NULL
  );
`;

/**
 * Health records in the agent's SQLite file, beside the channel state: press counts and the charge the presses
 * took survive restarts, and `doorbell-agent status` reads what the running agent last wrote. Written on
 * changes and at most once a minute for report times alone (the monitor throttles), so an SD card is spared.
 */
export class SqliteHealthStore implements HealthStore {
  private readonly select: Database.Statement<[string], { json: string }>;
  private readonly upsert: Database.Statement<[string, string, number]>;
  private readonly updateTimes: Database.Statement<
    [number, string, number | null, string | null, number, number, string]
  >;
  writeErrors = 0;

  constructor(db: Database.Database) {
    db.exec(CREATE);
    this.select = db.prepare('SELECT json FROM health_status WHERE key = ?');
    this.upsert = db.prepare(
      'INSERT INTO health_status (key, json, saved_ms) VALUES (?, ?, ?) ' +
        'ON CONFLICT(key) DO UPDATE SET json = excluded.json, saved_ms = excluded.saved_ms',
    );
    // SQLite's own JSON functions: the record is neither read back nor serialised again in JavaScript.
    this.updateTimes = db.prepare(
      "UPDATE health_status SET json = json_set(json, '$.savedMs', ?, '$.connected', json(?), " +
        "'$.lastReportMs', ?, '$.lastReportVia', ?, '$.serialGapsTotal', ?), saved_ms = ? WHERE key = ?",
    );
  }

  loadHealth(key: string): HealthRecord | undefined {
    const row = this.select.get(key);
    return row ? (JSON.parse(row.json) as HealthRecord) : undefined;
  }

  /** Never throws for a full disk: health is advisory, rings must go on. */
  saveHealth(key: string, record: HealthRecord): void {
    this.write(() => this.upsert.run(key, JSON.stringify(record), Math.round(record.savedMs)));
  }

  saveTimes(key: string, times: HealthTimes): void {
    const { savedMs, connected, lastReportMs, lastReportVia, serialGapsTotal } = times;
    this.write(() =>
      this.updateTimes.run(
        savedMs,
        JSON.stringify(connected), // true, false or null as JSON text: SQLite has no boolean to bind
        lastReportMs,
        lastReportVia,
        serialGapsTotal,
        Math.round(savedMs),
        key,
      ),
    );
  }

  private write(run: () => unknown): void {
    try {
      run();
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.writeErrors++;
    }
  }
}

/** Every health record in a store file, read-only (the agent may be running: WAL lets both in). */
export function readHealthRecords(path: string): HealthRecord[] | null {
  if (!existsSync(path)) return null;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'health_status'")
      .get();
    if (!table) return [];
    return db
      .prepare('SELECT json FROM health_status ORDER BY key')
      .all()
      .map((row) => JSON.parse((row as { json: string }).json) as HealthRecord);
  } finally {
    db.close();
  }
}
