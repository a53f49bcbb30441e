import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RingEvent } from '../../../agent/core/events.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { Delivery } from '../../../agent/runtime/delivery.ts';
import { SqliteStore } from '../../../agent/store/channel-store.ts';
import { tempDir, waitUntil } from '../../faults/support.ts';
import { ring as counterRing, manualBroker } from '../../helpers/outbox-events.ts';

/** A ring whose press id comes from the event counter (the ones that may leave before their commit). */
const ring = (n: number) => counterRing(n, `shellyuni-98CDAC25ABCD:0:c${n}@1795986186000`);

/** The agent's store, and a second connection that sees only what was committed (as a restart would). */
function stores() {
  const path = join(tempDir('delivery-'), 'state.sqlite');
  const store = new SqliteStore(path);
  return { store, committedRings: () => committedRings(path) };
}

function committedRings(path: string): string[] {
  const reader = new Database(path, { readonly: true });
  try {
    return reader
      .prepare<[], { json: string }>("SELECT json FROM outbox WHERE kind = 'ring' ORDER BY id")
      .all()
      .map((row) => (JSON.parse(row.json) as RingEvent).press_id);
  } finally {
    reader.close();
  }
}

describe('Delivery', () => {
  it('hands a ring to the broker connection and flushes it before its step commits, and keeps its row until the PUBACK', async () => {
    const { store, committedRings } = stores();
    const broker = manualBroker();
    const seenAtSend: Array<{ inTransaction: boolean; committed: string[] }> = [];
    const flushedInTransaction: boolean[] = [];
    const delivery = new Delivery(store, silentLogger, {
      maxEntries: 100,
      afterStep: () => {},
      send: (event) => {
        seenAtSend.push({ inTransaction: store.database.inTransaction, committed: committedRings() });
        return broker.send(event);
      },
      flush: () => flushedInTransaction.push(store.database.inTransaction),
    });
    delivery.open();

    delivery.step(() => ({ rings: [ring(1)], notes: [] }));

    // Sent inside the step, before anything of it was on disk; flushed before the commit.
    expect(seenAtSend).toEqual([{ inTransaction: true, committed: [] }]);
    expect(flushedInTransaction).toEqual([true]);
    // The step committed its row, which stays until the broker acknowledges.
    expect(committedRings()).toEqual([ring(1).press_id]);
    broker.pending[0]?.ack();
    await waitUntil('the acknowledged row to go', () => committedRings().length === 0);
    delivery.close();
    store.close();
  });

  it("commits a ring whose press id is not the event counter's (Gen2) before it leaves", () => {
    const { store, committedRings } = stores();
    const broker = manualBroker();
    const committedAtSend: string[][] = [];
    const delivery = new Delivery(store, silentLogger, {
      maxEntries: 100,
      afterStep: () => {},
      send: (event) => {
        committedAtSend.push(committedRings());
        return broker.send(event);
      },
    });
    delivery.open();
    const gen2 = { ...ring(1), press_id: 'shellyplusi4-c4d8d5570a3c:0:1795986186123', via: 'mqtt' as const };
    delivery.step(() => ({ rings: [gen2], notes: [] }));
    expect(committedAtSend).toEqual([[gen2.press_id]]);
    delivery.close();
    store.close();
  });

  it('sends a ring only after its step commits while an older entry waits to be sent again', async () => {
    const { store, committedRings } = stores();
    const broker = manualBroker();
    const sentInTransaction: boolean[] = [];
    const delivery = new Delivery(store, silentLogger, {
      maxEntries: 100,
      afterStep: () => {},
      send: (event) => {
        sentInTransaction.push(store.database.inTransaction);
        return broker.send(event);
      },
    });
    delivery.open();
    delivery.step(() => ({ rings: [ring(1)], notes: [] }));
    broker.pending[0]?.fail(new Error('connection lost'));
    await waitUntil('the failure to be seen', () => delivery.outbox.stats.sendFailures === 1);

    delivery.step(() => ({ rings: [ring(2)], notes: [] }));
    expect(sentInTransaction).toEqual([true, false]); // ring 2 went out by the pump, after its commit
    expect(committedRings()).toEqual([ring(1).press_id, ring(2).press_id]);

    await waitUntil('the retry of ring 1', () => broker.pending.length === 3, 5_000);
    expect(broker.pending.map((s) => (s.event as RingEvent).press_id)[2]).toBe(ring(1).press_id);
    for (const s of broker.pending.slice(1)) s.ack();
    await waitUntil('both rows to go', () => committedRings().length === 0);
    delivery.close();
    store.close();
  });

  it('when the step cannot commit after its ring left, the ring is kept in memory and a later row with the same id is not lost', async () => {
    const { store, committedRings } = stores();
    const broker = manualBroker();
    let diskFull = true;
    const delivery = new Delivery(store, silentLogger, {
      maxEntries: 100,
      afterStep: () => {
        if (diskFull) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      },
      send: broker.send,
    });
    delivery.open();

    const output = delivery.step(() => ({ rings: [ring(1)], notes: [] }));
    expect(output?.rings).toEqual([ring(1)]);
    expect(committedRings()).toEqual([]); // rolled back
    expect(delivery.outbox.stats.heldInMemory).toBe(1);

    diskFull = false;
    delivery.step(() => ({ rings: [ring(2)], notes: [] }));
    expect(committedRings()).toEqual([ring(2).press_id]);
    // The early send of ring 1 is acknowledged: it must not take ring 2's row (the rolled-back id was given again).
    const early = broker.pending.find((s) => (s.event as RingEvent).press_id === ring(1).press_id);
    early?.ack();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(committedRings()).toEqual([ring(2).press_id]);

    await waitUntil('ring 2 and the memory copy of ring 1 to be sent', () => broker.pending.length >= 3);
    for (const s of broker.pending.slice(1)) s.ack();
    await waitUntil('everything acknowledged', () => committedRings().length === 0);
    const sent = broker.pending.map((s) => (s.event as RingEvent).press_id);
    expect(new Set(sent)).toEqual(new Set([ring(1).press_id, ring(2).press_id]));
    delivery.close();
    store.close();
  });
});
