import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real mosquitto broker on a free loopback port, owned by the test that started it. */
export interface Broker {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Kill and start again on the same port (for outage tests). */
  restart(): Promise<void>;
  /** Start again after `stop()` or `kill()`, on the same port. */
  start(): Promise<void>;
  /** SIGKILL: a crash, not a shutdown (a persistent broker keeps what it autosaved). */
  kill(): Promise<void>;
  running(): boolean;
}

export interface MosquittoOptions {
  /** Keep retained messages and persistent sessions across restarts (written on every change). */
  persistent?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function mosquittoPath(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) {
    if (spawnSync(candidate, ['-h']).error === undefined) return candidate;
  }
  throw new Error('mosquitto is not installed: run `apt-get install mosquitto` (.ci/run does this)');
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not open port ${port} within ${timeoutMs} ms`);
}

/** Starts a private mosquitto for one test file. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Broker> {
  const binary = mosquittoPath();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  const persistence = options.persistent
    ? `persistence true\npersistence_location ${dir}/\nautosave_interval 1\nautosave_on_changes true\nmax_queued_messages 0\n`
    : 'persistence false\n';
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\n${persistence}`);
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port);
  };
  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  // A persistent broker gets to write its sessions down on stop (autosave_on_changes keeps them current anyway).
  const stop = () => end(options.persistent ? 'SIGTERM' : 'SIGKILL');
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    start,
    kill: () => end('SIGKILL'),
    running: () => child !== undefined,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/**
 * The broker integration tests talk to: the one `.ci/run` started (DOORBELL_TEST_MQTT_URL), else a private one.
 * Never skips: a missing broker is a failure.
 */
export async function sharedBroker(): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env.DOORBELL_TEST_MQTT_URL;
  if (url) return { url, stop: async () => {} };
  return startMosquitto();
}

/**
 * A broker no other test file publishes on, for tests that listen to topics every Gen1 Uni shares
 * (`shellies/announce`, `shellies/#`): on the shared broker they would hear the emulators of files running beside them.
 */
export async function isolatedBroker(): Promise<Broker> {
  return startMosquitto();
}
