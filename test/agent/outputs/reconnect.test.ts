import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../agent/config/schema.ts';
import type { Logger } from '../../../agent/core/logger.ts';
import { backoffDelayMs, JITTER, OUTAGE_REMINDER_MS, OutageLog } from '../../../agent/outputs/reconnect.ts';

const BACKOFF = { minMs: 1_000, maxMs: 60_000 };

describe('mqtt.reconnect_min_s / reconnect_max_s', () => {
  it('default to 1 s doubling to 60 s, and refuse a maximum below the minimum', () => {
    const { mqtt } = configSchema.parse({});
    expect([mqtt.reconnect_min_s, mqtt.reconnect_max_s]).toEqual([1, 60]);
    const bad = configSchema.safeParse({ mqtt: { reconnect_min_s: 5, reconnect_max_s: 2 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['mqtt.reconnect_max_s']);
  });
});

describe('backoffDelayMs', () => {
  it('starts at the minimum and doubles up to the maximum (no jitter at random() = 0.5)', () => {
    const delays = Array.from({ length: 9 }, (_, attempt) => backoffDelayMs(attempt, BACKOFF, () => 0.5));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(backoffDelayMs(10_000, BACKOFF, () => 0.5)).toBe(60_000);
  });

  it('moves each wait by at most ±25 %, never above the maximum', () => {
    for (const attempt of [0, 3, 8]) {
      const nominal = Math.min(60_000, 1_000 * 2 ** attempt);
      expect(backoffDelayMs(attempt, BACKOFF, () => 0)).toBe(nominal * (1 - JITTER));
      expect(backoffDelayMs(attempt, BACKOFF, () => 0.999_999)).toBe(
        Math.min(60_000, Math.round(nominal * 1.25)),
      );
    }
  });
});

/** Records the lines at info level and above (debug lines are where the suppressed detail goes). */
function recorder(): Logger & { lines: string[]; fields: Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const fields: Array<Record<string, unknown>> = [];
  const add = (msg: string, f: Record<string, unknown> = {}) => {
    lines.push(msg);
    fields.push(f);
  };
  return { lines, fields, debug: () => {}, info: add, warn: add, error: add };
}

describe('OutageLog', () => {
  it('logs an outage once, then a reminder a minute, and its end once', () => {
    const log = recorder();
    let now = 0;
    const outage = new OutageLog(log, 'mqtt://broker:1883', () => now);
    // Ten minutes of refused attempts every 2 s: 300 attempts.
    for (; now < 10 * 60_000; now += 2_000) outage.failed(new Error('ECONNREFUSED'), 2_000);
    outage.connected();
    expect(log.lines).toEqual([
      'MQTT broker unreachable; retrying with backoff',
      ...Array.from({ length: 9 }, () => 'MQTT broker still unreachable'),
      'MQTT reconnected',
    ]);
    expect(log.fields.at(-1)).toMatchObject({ attempts: 300, down_s: 600 });
    expect(OUTAGE_REMINDER_MS).toBe(60_000);
  });

  it('says when a connection that was up is lost and when it is back, nothing per failed attempt', () => {
    const log = recorder();
    let now = 0;
    const outage = new OutageLog(log, 'mqtt://broker:1883', () => now);
    outage.connected(); // the first connection: nothing to report
    now = 3_600_000;
    outage.lost();
    for (let i = 0; i < 20; i++, now += 1_000) outage.failed(new Error('ECONNREFUSED'));
    outage.connected();
    expect(log.lines).toEqual(['MQTT connection lost; reconnecting with backoff', 'MQTT reconnected']);
  });

  it('reports a connection that keeps dropping at most once a minute, with the number of losses', () => {
    const log = recorder();
    let now = 0;
    const outage = new OutageLog(log, 'mqtt://broker:1883', () => now);
    // Another client with the same id takes the connection over every 5 s, for five minutes.
    for (; now < 5 * 60_000; now += 5_000) {
      outage.lost();
      outage.failed(new Error('ECONNREFUSED'));
      now += 1_000;
      outage.connected();
    }
    expect(log.lines.length).toBeLessThanOrEqual(2 * 5 + 1);
    expect(log.fields.some((f) => (f.losses_since_last_line as number) > 1)).toBe(true);
  });
});
