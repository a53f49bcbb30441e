import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeUni, tempDir, waitUntil, writeAgentConfig } from '../../faults/support.ts';
import { freePort, startMosquitto } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'doorbell-agent.js');
const MAC = '98CDAC25AB0C';

/** `doorbell-agent run` as a real process: its JSON log lines, its exit. */
class Agent {
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(config: string) {
    this.child = spawn(process.execPath, [BIN, 'run', '--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  get lines(): Array<Record<string, unknown>> {
    // Complete lines only: a chunk may end in the middle of one.
    return this.stderr
      .split('\n')
      .slice(0, -1)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  logged(msg: string): boolean {
    return this.lines.some((l) => l.msg === msg);
  }

  waitFor(msg: string): Promise<void> {
    return this.until(`agent log "${msg}"`, () => this.logged(msg));
  }

  /** Sends SIGTERM and waits for the exit, which must be 0 and on its own (not by the signal). */
  async terminate(): Promise<void> {
    this.child.kill('SIGTERM');
    const { code, signal } = await this.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }

  /** Waits for `predicate`; a timeout shows the end of the log. */
  async until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    try {
      await waitUntil(what, predicate, timeoutMs);
    } catch (error) {
      throw new Error(`${String(error)}\n${this.stderr.slice(-3_000)}`);
    }
  }
}

/** A TCP proxy to a broker that can freeze: connections stay open but nothing goes through (a hung broker). */
async function freezableProxy(
  targetPort: number,
): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (d) => frozen || upstream.write(d));
    upstream.on('data', (d) => frozen || client.write(d));
    client.on('end', () => frozen || upstream.end());
    upstream.on('end', () => frozen || client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('run stops cleanly in every state', () => {
  const agents: Agent[] = [];
  afterEach(async () => {
    for (const agent of agents.splice(0)) {
      if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    }
  });

  /** `run` for one Uni, its config and store in a new directory, CoIoT on loopback; `settings` adds the rest. */
  async function startRun(prefix: string, settings: Record<string, unknown>, coiotPort?: number) {
    const dir = tempDir(prefix);
    const store = join(dir, 'state.sqlite');
    const config = writeAgentConfig(dir, {
      ...settings,
      coiot: { listen: '127.0.0.1', port: coiotPort ?? (await freeUdpPort()), multicast: false },
      store: { path: store },
      devices: [{ id: `shellyuni-${MAC}` }],
    });
    const agent = new Agent(config);
    agents.push(agent);
    return { agent, store };
  }

  it('on SIGTERM while the broker has been unreachable since start: exit 0, stopping/stopped, the ring kept in the outbox', async () => {
    const coiotPort = await freeUdpPort();
    const { agent, store } = await startRun(
      'stop-unreachable-',
      {
        // Nobody listens there: every attempt is refused.
        mqtt: { url: `mqtt://127.0.0.1:${await freePort()}`, reconnect_min_s: 0.1, reconnect_max_s: 0.2 },
        security: { verify_http: false },
      },
      coiotPort,
    );
    await agent.waitFor('CoIoT listening');
    await agent.waitFor('MQTT broker unreachable; retrying with backoff');
    // A press heard during the outage: its ring waits in the outbox.
    const uni = new FakeUni(MAC, '127.0.0.1', coiotPort);
    await uni.open();
    await uni.report();
    await uni.pressDown();
    await agent.waitFor('ring');
    uni.close();

    await agent.terminate();
    expect(agent.logged('stopping')).toBe(true);
    const stopped = agent.lines.find((l) => l.msg === 'stopped');
    // The Uni's sender got a socket of its own once its first report was accepted (`coiot.device_sockets`).
    expect(stopped).toMatchObject({ during: 'start', outbox: 1, device_sockets: 1 });
    const db = new Database(store, { readonly: true });
    const rows = db.prepare("SELECT json FROM outbox WHERE kind = 'ring'").all() as Array<{ json: string }>;
    db.close();
    expect(rows.map((r) => JSON.parse(r.json).device)).toEqual([`shellyuni-${MAC}`]);
  });

  it('logs a broker outage once (not once per attempt), reconnects with backoff, and stops on SIGTERM while the broker is down', async () => {
    const broker = await startMosquitto();
    const { agent } = await startRun('stop-outage-', {
      mqtt: {
        url: broker.url,
        base_topic: `outage${process.pid}`,
        reconnect_min_s: 0.05,
        reconnect_max_s: 0.2,
      },
      // Debug lines show every attempt; the lines counted are the ones a user sees at the default level.
      log: { level: 'debug' },
    });
    try {
      await agent.waitFor('running');
      const before = agent.lines.length;
      await broker.stop();
      // Several seconds of outage: at most 0.2 s between attempts, so well over ten attempts.
      await new Promise((r) => setTimeout(r, 3_000));
      await broker.start();
      await agent.waitFor('MQTT reconnected');
      const during = agent.lines.slice(before);
      const reconnected = during.find((l) => l.msg === 'MQTT reconnected');
      expect(reconnected?.attempts).toBeGreaterThanOrEqual(10);
      expect(during.filter((l) => l.msg === 'MQTT connection attempt failed').length).toBeGreaterThanOrEqual(
        10,
      );
      // One line when it began, one when it ended; no reminder within a minute; nothing per attempt.
      expect(during.filter((l) => l.level !== 'debug').map((l) => l.msg)).toEqual([
        'MQTT connection lost; reconnecting with backoff',
        'MQTT reconnected',
      ]);

      await broker.stop();
      const seen = before + during.length;
      // Less than a minute after the last line, the second loss is a debug line only.
      await agent.until('the second outage noticed', () =>
        agent.lines.slice(seen).some((l) => String(l.msg).startsWith('MQTT connection lost')),
      );
      await agent.terminate();
      expect(agent.logged('stopping')).toBe(true);
      expect(agent.logged('stopped')).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  it('on SIGTERM the moment it starts logging (before MQTT is up): exit 0 with stopping/stopped', async () => {
    const broker = await startMosquitto();
    const { agent } = await startRun('stop-early-', {
      mqtt: { url: broker.url, base_topic: `early${process.pid}` },
    });
    try {
      await waitUntil('a first log line', () => agent.lines.length > 0);
      await agent.terminate();
      expect(agent.logged('stopping')).toBe(true);
      expect(agent.logged('stopped')).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  it('on SIGTERM while connected to a broker that stopped answering: gives up waiting for its PUBACK, exit 0', async () => {
    const broker = await startMosquitto();
    const proxy = await freezableProxy(broker.port);
    const { agent } = await startRun('stop-hung-', {
      mqtt: { url: proxy.url, base_topic: `hung${process.pid}` },
    });
    try {
      await agent.waitFor('running');
      proxy.freeze();
      await agent.terminate();
      expect(agent.logged('stopped')).toBe(true);
    } finally {
      await proxy.close();
      await broker.stop();
    }
  });
});
