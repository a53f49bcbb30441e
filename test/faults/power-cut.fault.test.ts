import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../agent/runtime/agent.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { freeUdpPort } from '../helpers/udp.ts';
import {
  FakeUni,
  faultSettings,
  firstReports,
  macFor,
  ringCollector,
  sleep,
  startAgentOn,
  stoppedAfterAll,
  tempDir,
  waitUntil,
} from './support.ts';

/**
 * A power cut, simulated: what the disk holds afterwards is the store as of its last completed WAL sync, and the
 * worst case is a cut right after a ring left the agent and before the sync of its step (the store then holds the
 * state from before the press). The copy of the store taken at that point is put back in place of what the agent
 * wrote since, and a new agent starts on it. Every press must reach the broker, and a press decided a second time
 * must carry the `press_id` it was first rung with, so subscribers de-duplicate it.
 */
describe('power cut: the commits since the last WAL sync are lost', () => {
  const started = stoppedAfterAll<RunningAgent>();
  const { unis } = started;

  const SUFFIXES = ['', '-wal'];
  const copyStore = (from: string, to: string) => {
    for (const suffix of SUFFIXES) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  };
  /** What survives the cut: the store files as the last sync left them. */
  const snapshot = async (running: RunningAgent, path: string, to: string) => {
    await running.store.walSync.settled();
    copyStore(path, to);
  };
  const powerCut = async (running: RunningAgent, path: string, saved: string) => {
    await running.stop();
    for (const suffix of [...SUFFIXES, '-shm']) rmSync(path + suffix, { force: true });
    copyStore(saved, path);
  };

  it('rings every press; a press decided again after the cut keeps its press_id', async () => {
    const broker = await startMosquitto();
    started.broker = broker;
    const base = `cut${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    for (let i = 0; i < 3; i++) unis.push(new FakeUni(macFor(700 + i), `127.0.3.${i + 1}`, port));
    const dir = tempDir('power-cut-');
    const path = join(dir, 'state.sqlite');
    const settings = faultSettings(
      { url: broker.url, base, port, store: path, unis },
      { metrics: { enabled: false } },
    );
    const start = async () => {
      started.agent = await startAgentOn(settings);
      return started.agent;
    };
    let agent = await start();
    await firstReports(unis);
    await sleep(300);

    let presses = 0;
    for (let round = 0; round < 6; round++) {
      const uni = unis[round % unis.length] as FakeUni;
      const saved = join(dir, `cut-${round}.sqlite`);
      await snapshot(agent, path, saved);
      // Odd rounds: the broker is away, so the ring is still in the outbox (on no disk) when the power goes.
      const outage = round % 2 === 1;
      if (outage) await broker.stop();
      const heard = collector.rings.length;
      await uni.pressDown();
      await sleep(80);
      await uni.release();
      presses++;
      if (!outage) await waitUntil('the live ring', () => collector.rings.length > heard);
      else await sleep(200);
      await powerCut(agent, path, saved);
      if (outage) await broker.start();
      agent = await start();
      // The Uni's next periodic report (unchanged since the release): its counter shows the press.
      await uni.report(false);
      await waitUntil(`press ${presses} on the broker`, () => collector.distinctPressIds().size >= presses);
      await sleep(1_500); // the reorder window and a little: a second decision would be on the broker by now
    }

    const byId = new Map<string, Array<Record<string, unknown>>>();
    for (const { ring } of collector.rings)
      byId.set(ring.press_id as string, [...(byId.get(ring.press_id as string) ?? []), ring]);
    expect(byId.size).toBe(presses);
    for (const [id, copies] of byId) {
      expect(id).toMatch(/:0:c\d+@\d+$/);
      // Live then recovered (broker up at the press), or recovered only (the ring died with the outbox row).
      expect(copies.length, id).toBeLessThanOrEqual(2);
      expect(copies.at(-1)?.recovered, id).toBe(true);
    }
    const delivered = [...byId.values()];
    expect(delivered.filter((c) => c.length === 2)).toHaveLength(3);
    expect(delivered.filter((c) => c.length === 1)).toHaveLength(3);
    await collector.close();
  });
});
