import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RingEvent } from '../../../agent/core/events.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { SqliteStore } from '../../../agent/store/channel-store.ts';
import { Outbox } from '../../../agent/store/outbox.ts';
import { tempDir, waitUntil } from '../../faults/support.ts';
import { manualBroker, problem, ring } from '../../helpers/outbox-events.ts';

describe('Outbox', () => {
  it('sends in order, and removes an entry only once its publish was acknowledged', async () => {
    const store = new SqliteStore(join(tempDir('outbox-'), 'state.sqlite'));
    const broker = manualBroker();
    const outbox = new Outbox(store.database, { maxEntries: 100, log: silentLogger, send: broker.send });
    for (let n = 1; n <= 5; n++) outbox.enqueue(ring(n));
    outbox.pump();
    expect(broker.pending.map((p) => (p.event as RingEvent).t)).toEqual([1, 2, 3, 4, 5]);
    expect(outbox.size).toBe(5);
    broker.pending[1]?.ack();
    await waitUntil('ack processed', () => outbox.size === 4);
    expect(outbox.entries().map((e) => (e.event as RingEvent).t)).toEqual([1, 3, 4, 5]);
    broker.ackAll();
    await waitUntil('all acked', () => outbox.size === 0);
    outbox.close();
    store.close();
  });

  it('survives a restart: what was not acknowledged goes out again, in order, unchanged', async () => {
    const path = join(tempDir('outbox-'), 'state.sqlite');
    const first = new SqliteStore(path);
    const broker = manualBroker();
    const outbox = new Outbox(first.database, { maxEntries: 100, log: silentLogger, send: broker.send });
    for (let n = 1; n <= 4; n++) outbox.enqueue(ring(n));
    outbox.enqueue(problem(5));
    outbox.pump();
    broker.pending[0]?.ack();
    await waitUntil('first acked', () => outbox.size === 4);
    // The process dies: nothing else acknowledged.
    outbox.close();
    first.close();

    const second = new SqliteStore(path);
    const again = manualBroker();
    const reopened = new Outbox(second.database, { maxEntries: 100, log: silentLogger, send: again.send });
    reopened.pump();
    expect(again.pending.map((p) => p.event)).toEqual([ring(2), ring(3), ring(4), problem(5)]);
    again.ackAll();
    await waitUntil('drained', () => reopened.size === 0);
    reopened.close();
    second.close();
  });

  it('is bounded: at the bound the oldest problem goes first, a ring only when no problem is left', () => {
    const store = new SqliteStore(join(tempDir('outbox-'), 'state.sqlite'));
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (msg: string) => warnings.push(msg) };
    const outbox = new Outbox(store.database, { maxEntries: 3, log, send: () => new Promise(() => {}) });
    outbox.enqueue(ring(1));
    outbox.enqueue(problem(2));
    outbox.enqueue(ring(3));
    outbox.enqueue(problem(4)); // drops problem 2
    outbox.enqueue(ring(5)); // drops problem 4
    expect(outbox.entries().map((e) => e.event.t)).toEqual([1, 3, 5]);
    outbox.enqueue(ring(6)); // no problem left: drops ring 1
    expect(outbox.entries().map((e) => e.event.t)).toEqual([3, 5, 6]);
    expect(outbox.stats).toMatchObject({ droppedProblems: 2, droppedRings: 1 });
    expect(warnings.filter((w) => w.startsWith('outbox full'))).toHaveLength(3);
    store.close();
  });

  it('retries a failed publish later without losing it', async () => {
    const store = new SqliteStore(join(tempDir('outbox-'), 'state.sqlite'));
    const broker = manualBroker();
    const outbox = new Outbox(store.database, {
      maxEntries: 10,
      log: silentLogger,
      send: broker.send,
      retryMs: 10,
    });
    outbox.enqueue(ring(1));
    outbox.pump();
    broker.pending.shift()?.fail(new Error('connection closed'));
    await waitUntil('retried', () => broker.pending.length === 1);
    broker.ackAll();
    await waitUntil('acked', () => outbox.size === 0);
    expect(outbox.stats).toMatchObject({ sendFailures: 1, published: 1 });
    outbox.close();
    store.close();
  });

  it('commits with the channel state or not at all (one transaction)', () => {
    const path = join(tempDir('outbox-'), 'state.sqlite');
    const store = new SqliteStore(path);
    const outbox = new Outbox(store.database, { maxEntries: 10, log: silentLogger, send: async () => {} });
    const state = { device: 'd', input: 0 } as never;
    expect(() =>
      store.atomically(() => {
        store.saveChannel('d#0', state);
        outbox.enqueue(ring(1));
        throw new Error('crash between the two');
      }),
    ).toThrow('crash');
    expect(store.loadChannel('d#0')).toBeUndefined();
    expect(outbox.size).toBe(0);
    store.atomically(() => {
      store.saveChannel('d#0', state);
      outbox.enqueue(ring(1));
    });
    store.close();
    const reopened = new SqliteStore(path);
    expect(reopened.loadChannel('d#0')).toEqual(state);
    expect(
      new Outbox(reopened.database, { maxEntries: 10, log: silentLogger, send: async () => {} }).size,
    ).toBe(1);
    reopened.close();
  });

  it('keeps what a full database cannot take in memory and still sends it', async () => {
    const store = new SqliteStore(join(tempDir('outbox-'), 'state.sqlite'));
    const broker = manualBroker();
    const outbox = new Outbox(store.database, { maxEntries: 1_000, log: silentLogger, send: broker.send });
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    store.database.pragma(`max_page_count = ${pages}`);
    const big = (n: number): RingEvent => ({ ...ring(n), press_id: `${'x'.repeat(4_000)}${n}` });
    for (let n = 1; n <= 20; n++) outbox.enqueue(big(n));
    expect(outbox.stats.heldInMemory).toBeGreaterThan(0);
    outbox.pump();
    broker.ackAll();
    await waitUntil('all sent', () => outbox.size === 0);
    expect(broker.acked.map((e) => e.t).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    outbox.close();
    store.close();
  });
});
