import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../agent/commands/status.ts';
import { configSchema } from '../../../agent/config/schema.ts';
import { healthChannelsFrom, healthParamsFrom } from '../../../agent/health/config.ts';
import { HealthMonitor } from '../../../agent/health/monitor.ts';
import { readHealthRecords, SqliteHealthStore } from '../../../agent/store/health-store.ts';

const ID = 'shellyuni-98CDAC25ABCD';
const DAY = 24 * 3600 * 1000;

describe('doorbell-agent status', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'status-')), 'state.sqlite');
  const config = configSchema.parse({
    store: { path },
    devices: [
      { id: ID, name: 'Front door', battery: { installed: '2026-01-01' } },
      { id: 'shellyuni-98CDAC25ABCE', name: 'Back door' },
    ],
  });

  it('says when the agent has never run with this config', () => {
    const missing = configSchema.parse({ store: { path: join(tmpdir(), 'nope', 'x.sqlite') } });
    expect(renderStatus(missing, readHealthRecords(missing.store.path), 0)).toMatch(/No store at .*x.sqlite/);
  });

  it('shows the modelled battery, last ring, report age, and says when the records are old', () => {
    const start = Date.parse('2026-11-24T12:00:00Z');
    const db = new Database(path);
    const monitor = new HealthMonitor(
      healthChannelsFrom(config),
      healthParamsFrom(config),
      new SqliteHealthStore(db),
      start,
    );
    monitor.heard({ device: ID, via: 'coiot', serial: 1, validityS: 15 }, start + 1000);
    monitor.detected(
      null,
      {
        rings: [
          {
            type: 'ring',
            t: (start + 2000) / 1000,
            device: ID,
            input: 0,
            press_id: 'p1',
            chime: 'mechanical',
            hold_s: null,
            via: 'coiot',
            recovered: false,
          },
        ],
        notes: [{ kind: 'press_end', pressId: 'p1', holdS: 2, matchesChime: true, device: ID, input: 0 }],
      },
      start + 4000,
    );
    db.close();

    const records = readHealthRecords(path);
    const fresh = renderStatus(config, records, start + 10_000);
    expect(fresh).toMatch(/last saved 6 s ago\n/);
    expect(fresh).toMatch(
      /Front door \(shellyuni-98CDAC25ABCD\), input 0\n {2}Shelly {5}online, last report 9 s ago \(coiot\)/,
    );
    expect(fresh).toMatch(/Last ring {2}2026-11-24 12:00:02 UTC \(8 s ago, via coiot\); 1 press counted/);
    expect(fresh).toMatch(/Problems {3}none/);
    expect(fresh).toMatch(
      /Battery {4}97 % \(model: presses seen \+ self-discharge since install, below the input threshold around 20\d\d-\d\d-\d\d\)/,
    );
    expect(fresh).toMatch(
      /Back door .*\n {2}Shelly {5}unknown, never heard\n.*\n.*\n {2}Battery {4}not tracked/,
    );

    const stale = renderStatus(config, records, start + 3 * DAY);
    expect(stale).toMatch(/last saved 3 days ago \(is the agent running\?\)/);
  });
});
