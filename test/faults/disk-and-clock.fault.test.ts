import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../agent/config/schema.ts';
import type { Logger } from '../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../agent/runtime/agent.ts';
import { sharedBroker } from '../helpers/mosquitto.ts';
import { freeUdpPort } from '../helpers/udp.ts';
import { FakeUni, macFor, ringCollector, sleep, tempDir, waitUntil } from './support.ts';

async function press(uni: FakeUni): Promise<void> {
  await uni.pressDown();
  await sleep(60);
  await uni.release();
}

function recordingLog() {
  const lines: string[] = [];
  const at = (level: string) => (msg: string, fields?: object) =>
    lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

/** A small tmpfs (root only); null where mounting is not allowed. */
function tinyTmpfs(): { dir: string; release(): void } | null {
  const dir = join(tempDir('diskfull-'), 'mnt');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    return null;
  }
  return { dir, release: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }) };
}

/** Fills the file system of `dir` until the kernel says ENOSPC; returns the filler to delete. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(4096, 0xaa);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

describe('disk full under the store', () => {
  const mount = tinyTmpfs();
  let agent: RunningAgent | undefined;
  let broker: { url: string; stop(): Promise<void> } | undefined;
  const unis: FakeUni[] = [];
  afterAll(async () => {
    for (const uni of unis) uni.close();
    await agent?.stop();
    await broker?.stop();
    mount?.release();
  });

  it('keeps ringing from memory, logs the failure, and persists again once there is room', async () => {
    broker = await sharedBroker();
    const base = `disk${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    const storeDir = mount?.dir ?? tempDir('diskfull-sim-');
    for (let i = 0; i < 3; i++) unis.push(new FakeUni(macFor(700 + i), `127.0.4.${i + 1}`, port));
    const { log, lines } = recordingLog();
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: base, client_id: `agent-${base}` },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port, multicast: false },
      store: { path: join(storeDir, 'state.sqlite') },
      security: { verify_http: false },
      devices: unis.map((u) => ({ id: u.id })),
    });
    agent = await startAgent({ config, log, version: '0', fetchDescriptions: false });
    for (const uni of unis) {
      await uni.open();
      await uni.report();
    }
    await waitUntil('pinned', () => lines.filter((l) => l.includes('device pinned')).length === 3);

    let filler: string | undefined;
    if (mount) filler = fill(mount.dir);
    else {
      // No tmpfs here (not root): SQLite's own limit on the file size gives the same SQLITE_FULL.
      const db = agent.store.database;
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
    }
    for (let round = 0; round < 3; round++) {
      for (const uni of unis) await press(uni);
      await sleep(1_700);
    }
    await waitUntil('rings published from memory', () => collector.distinctPressIds().size === 9);
    expect(lines.some((l) => l.startsWith('error') && /disk full|cannot (write|commit|save)/.test(l))).toBe(
      true,
    );
    expect(agent.store.writeErrors + agent.outbox.stats.heldInMemory).toBeGreaterThan(0);

    if (filler) rmSync(filler);
    else agent.store.database.pragma('max_page_count = 1073741823');
    const before = agent.outbox.stats.heldInMemory;
    for (const uni of unis) await press(uni);
    await waitUntil('rings after space came back', () => collector.distinctPressIds().size === 12);
    expect(agent.outbox.stats.heldInMemory).toBe(before);
    console.log(
      `disk full (${mount ? 'tmpfs 256k' : 'max_page_count'}): 9 rings published while full, ` +
        `${agent.store.writeErrors} channel writes failed, ${before} events held in memory`,
    );
    await collector.close();
  });
});

describe('clock jumps', () => {
  let agent: RunningAgent | undefined;
  let broker: { url: string; stop(): Promise<void> } | undefined;
  const unis: FakeUni[] = [];
  afterAll(async () => {
    for (const uni of unis) uni.close();
    await agent?.stop();
    await broker?.stop();
  });

  it('one ring per press when the wall clock jumps back an hour and forward a day (NTP, RTC-less boot)', async () => {
    broker = await sharedBroker();
    const base = `clock${process.pid}`;
    const collector = await ringCollector(broker.url, base);
    const port = await freeUdpPort();
    for (let i = 0; i < 2; i++) unis.push(new FakeUni(macFor(800 + i), `127.0.5.${i + 1}`, port));
    let offset = 0;
    const config = configSchema.parse({
      mqtt: { url: broker.url, base_topic: base, client_id: `agent-${base}` },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port, multicast: false },
      store: { path: join(tempDir('clock-'), 'state.sqlite') },
      security: { verify_http: false },
      devices: unis.map((u) => ({ id: u.id })),
    });
    agent = await startAgent({
      config,
      log: recordingLog().log,
      version: '0',
      fetchDescriptions: false,
      now: () => Date.now() + offset,
    });
    for (const uni of unis) {
      await uni.open();
      await uni.report();
    }
    let expected = 0;
    for (const jump of [0, -3_600_000, 86_400_000, -5_000, 0]) {
      offset += jump;
      for (const uni of unis) await press(uni);
      expected += unis.length;
      await waitUntil(
        `rings after a jump of ${jump} ms`,
        () => collector.distinctPressIds().size === expected,
      );
      await sleep(1_700);
    }
    // A press missed during a jump is still recovered from the counter in the next report.
    const [first] = unis as [FakeUni];
    first.count++;
    first.presses++;
    offset -= 60_000;
    await first.report();
    expected++;
    await waitUntil('recovered ring', () => collector.distinctPressIds().size === expected);
    await sleep(1_000);
    expect(collector.distinctPressIds().size).toBe(expected);
    await collector.close();
  });
});
