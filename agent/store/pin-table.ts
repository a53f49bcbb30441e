import type Database from 'better-sqlite3';
import { isStorageFailure } from '../core/storage-failure.ts';
import type { Pin, PinSource } from '../security/address-pins.ts';

/** Learnt and verified address pins, in the agent's SQLite file (`address_pins`), so a restart keeps them. */
export class PinTable {
  private readonly upsert: Database.Statement<[string, string, string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS address_pins (
        device TEXT PRIMARY KEY,
        address TEXT NOT NULL,
        source TEXT NOT NULL
      );
    `);
    this.upsert = db.prepare(
      'INSERT INTO address_pins (device, address, source) VALUES (?, ?, ?) ' +
        'ON CONFLICT(device) DO UPDATE SET address = excluded.address, source = excluded.source',
    );
    this.remove = db.prepare('DELETE FROM address_pins WHERE device = ?');
  }

  load(): Pin[] {
    return this.db
      .prepare<[], { device: string; address: string; source: string }>(
        'SELECT device, address, source FROM address_pins',
      )
      .all()
      .map((row) => ({ device: row.device, address: row.address, source: row.source as PinSource }));
  }

  /** A full disk only costs the pin's persistence (it is kept in memory), never the datagram. */
  save(device: string, pin: Pin | null): void {
    try {
      if (pin === null || pin.source === 'config') this.remove.run(device);
      else this.upsert.run(device, pin.address, pin.source);
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
    }
  }
}
