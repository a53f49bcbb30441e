import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { HealthRecord, HealthTimes } from '../../../agent/health/record.ts';
import { readHealthRecords, SqliteHealthStore } from '../../../agent/store/health-store.ts';

const KEY = 'shellyuni-98CDAC25ABCD#0';
const record: HealthRecord = {
  device: 'shellyuni-98CDAC25ABCD',
  input: 0,
  name: 'Front door',
  savedMs: 1_795_000_000_000,
  connected: null,
  lastReportMs: null,
  lastReportVia: null,
  presses: 3,
  lastRing: {
    tMs: 1_794_999_000_000,
    pressId: 'shellyuni-98CDAC25ABCD:0:c2@1',
    via: 'coiot',
    recovered: false,
  },
  problems: [{ problem: 'chatter', detail: '9 rising edges in 10 s', sinceMs: 1_794_999_500_000 }],
  battery: { percent: 87, volts: null, basis: 'model', thresholdDateMs: null },
  pressMah: 0.25,
  serialGapsTotal: 1,
};

function store() {
  const path = join(mkdtempSync(join(tmpdir(), 'health-store-')), 'state.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  return { path, db, health: new SqliteHealthStore(db) };
}

describe('SqliteHealthStore', () => {
  it('a time-only write changes those fields of the record and nothing else, as status reads it', () => {
    const { path, db, health } = store();
    health.saveHealth(KEY, record);
    for (const connected of [true, false, null]) {
      const times: HealthTimes = {
        savedMs: record.savedMs + 60_000,
        connected,
        lastReportMs: connected === null ? null : record.savedMs + 59_000,
        lastReportVia: connected === null ? null : 'mqtt',
        serialGapsTotal: 4,
      };
      health.saveTimes(KEY, times);
      expect(health.loadHealth(KEY)).toEqual({ ...record, ...times });
      expect(readHealthRecords(path)).toEqual([{ ...record, ...times }]);
    }
    db.close();
  });

  it('a full write after time-only ones replaces the whole record', () => {
    const { db, health } = store();
    health.saveHealth(KEY, record);
    health.saveTimes(KEY, {
      savedMs: 1,
      connected: true,
      lastReportMs: 1,
      lastReportVia: 'coiot',
      serialGapsTotal: 9,
    });
    const next = { ...record, presses: 4, savedMs: 2 };
    health.saveHealth(KEY, next);
    expect(health.loadHealth(KEY)).toEqual(next);
    db.close();
  });
});
