import type Database from 'better-sqlite3';
import { isStorageFailure } from '../core/storage-failure.ts';

/**
 * The Home Assistant discovery topics this agent has published a retained config on (`ha_discovery`), so that a
 * doorbell removed from the config — or a changed discovery prefix or base topic — has its retained config
 * cleared at the next start instead of lingering in Home Assistant as an unavailable device.
 */
export class AnnouncedTopics {
  private readonly insert: Database.Statement<[string]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly all: Database.Statement<[], { topic: string }>;

  constructor(db: Database.Database) {
    db.exec('CREATE TABLE IF NOT EXISTS ha_discovery (topic TEXT PRIMARY KEY);');
    this.insert = db.prepare('INSERT OR IGNORE INTO ha_discovery (topic) VALUES (?)');
    this.remove = db.prepare('DELETE FROM ha_discovery WHERE topic = ?');
    this.all = db.prepare('SELECT topic FROM ha_discovery ORDER BY topic');
  }

  /** Topics announced before (retained on the broker unless cleared since). */
  announced(): string[] {
    return this.all.all().map((row) => row.topic);
  }

  /** Called before a retained config is published on `topic`. */
  record(topic: string): void {
    this.tolerant(() => this.insert.run(topic));
  }

  /** Called once the broker acknowledged the empty retained payload that clears `topic`. */
  forget(topic: string): void {
    this.tolerant(() => this.remove.run(topic));
  }

  /** A full disk costs only the clean-up of a removed doorbell, never the announce itself. */
  private tolerant(write: () => unknown): void {
    try {
      write();
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
    }
  }
}
