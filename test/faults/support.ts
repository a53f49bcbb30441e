import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll } from 'vitest';
import { stringify } from 'yaml';
import { configSchema } from '../../agent/config/schema.ts';
import { silentLogger } from '../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../agent/runtime/agent.ts';
import { encodeStatus, shuniValues } from '../../simulator/emulator/coiot-encode.ts';
import { seededRandom } from '../../simulator/network/random.ts';
import { type Broker, startMosquitto, waitForPort } from '../helpers/mosquitto.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG, so a failing run can be repeated with its seed. */
export const prng = seededRandom;

export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A real mosquitto that keeps sessions and queued messages across a SIGKILL (see `startMosquitto`). */
export type PersistentBroker = Broker;

export function startPersistentBroker(): Promise<PersistentBroker> {
  return startMosquitto({ persistent: true });
}

export const waitForTcp = waitForPort;

/** A consumer with a persistent session (clean: false, QoS 1) recording every ring it receives. */
export async function ringCollector(url: string, baseTopic: string) {
  const client: MqttClient = await connectAsync(url, {
    clientId: `ring-collector-${process.pid}-${Date.now().toString(36)}`,
    clean: false,
    reconnectPeriod: 100,
    connectTimeout: 2_000,
  });
  const rings: Array<{ topic: string; ring: Record<string, unknown> }> = [];
  const problems: Array<Record<string, unknown>> = [];
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/ring')) rings.push({ topic, ring: JSON.parse(payload.toString()) });
    if (topic.endsWith('/problem')) problems.push(JSON.parse(payload.toString()));
  });
  client.on('error', () => {});
  await client.subscribeAsync([`${baseTopic}/+/ring`, `${baseTopic}/+/problem`], { qos: 1 });
  return {
    client,
    rings,
    problems,
    distinctPressIds: () => new Set(rings.map((r) => r.ring.press_id as string)),
    close: () => client.endAsync(true),
  };
}

/** `node bin/doorbell-agent.js run` as a real process that can be SIGKILLed and started again. */
export class AgentProcess {
  private child: ChildProcess | undefined;
  private readonly logPath: string;
  starts = 0;
  /** Exits nobody asked for (a crash), with the end of the log. */
  readonly crashes: string[] = [];
  private output = '';

  constructor(
    readonly configPath: string,
    dir: string,
  ) {
    this.logPath = join(dir, 'agent.log');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The log lines of the current process so far. */
  get log(): string {
    return this.output;
  }

  start(): void {
    this.starts++;
    this.output = '';
    const child = spawn(process.execPath, ['bin/doorbell-agent.js', 'run', '--config', this.configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const file = createWriteStream(this.logPath, { flags: 'a' });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      file.write(chunk);
    });
    child.once('exit', (code, signal) => {
      file.end();
      if (this.child === child) {
        this.child = undefined;
        this.crashes.push(`exit ${code ?? signal}: ${this.output.slice(-600)}`);
      }
    });
    this.child = child;
  }

  /** Waits until this process logged `msg` (e.g. `MQTT connected`). */
  async waitFor(msg: string, timeoutMs = 30_000): Promise<void> {
    await waitUntil(`agent log "${msg}"`, () => this.output.includes(`"msg":"${msg}"`), timeoutMs);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  get logFile(): string {
    return this.logPath;
  }
}

export function writeAgentConfig(dir: string, config: Record<string, unknown>): string {
  const path = join(dir, 'doorbell-agent.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The agent's settings in these tests: its broker at `url` under `base`, CoIoT unicast on loopback `port`, the
 * store at `store`, one device per Uni; Home Assistant, Shelly MQTT and the HTTP check off. `extra` adds sections.
 */
export function faultSettings(
  rig: { url: string; base: string; port: number; store: string; unis: readonly FakeUni[] },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    mqtt: { url: rig.url, base_topic: rig.base, client_id: `agent-${rig.base}` },
    homeassistant: { enabled: false },
    shelly_mqtt: { enabled: false },
    coiot: { listen: '127.0.0.1', port: rig.port, multicast: false },
    store: { path: rig.store },
    security: { verify_http: false },
    ...extra,
    devices: rig.unis.map((u) => ({ id: u.id })),
  };
}

/** The agent in this process on `settings` (as a config file holds them), silent, fetching no CoIoT descriptions. */
export function startAgentOn(settings: Record<string, unknown>): Promise<RunningAgent> {
  return startAgent({
    config: configSchema.parse(settings),
    log: silentLogger,
    version: '0',
    fetchDescriptions: false,
  });
}

/** Opens each Uni and sends its first status report (the agent's counter baseline and address pin). */
export async function firstReports(unis: readonly FakeUni[]): Promise<void> {
  for (const uni of unis) {
    await uni.open();
    await uni.report();
  }
}

/** What a describe block starts, stopped after its tests: the Unis closed, then the agent, then the broker. */
export function stoppedAfterAll<A extends { stop(): Promise<void> }>(): {
  broker?: Broker;
  agent?: A;
  unis: FakeUni[];
} {
  const started: { broker?: Broker; agent?: A; unis: FakeUni[] } = { unis: [] };
  afterAll(async () => {
    for (const uni of started.unis) uni.close();
    await started.agent?.stop();
    await started.broker?.stop();
  });
  return started;
}

/** A Gen1 Uni on its own loopback address (127.0.1.x), sending byte-exact SHUNI-1 status datagrams. */
export class FakeUni {
  readonly id: string;
  private socket: dgram.Socket | undefined;
  private serial = 1;
  private messageId = 1;
  count = 0;
  level = false;
  presses = 0;

  constructor(
    readonly mac: string,
    public address: string,
    private readonly port: number,
  ) {
    this.id = `shellyuni-${mac}`;
  }

  async open(): Promise<void> {
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.bind(0, this.address, resolve));
    this.socket = socket;
  }

  /** One status report of the current state (a change increments the serial, as the firmware does). */
  async report(changed = true): Promise<void> {
    if (changed) this.serial = (this.serial % 0xffff) + 1;
    const bytes = encodeStatus({
      deviceType: 'SHUNI-1',
      mac: this.mac,
      messageId: this.messageId++,
      serial: this.serial,
      values: shuniValues({
        inputs: [
          { level: this.level, event: this.count > 0 ? 'S' : '', count: this.count },
          { level: false, event: '', count: 0 },
        ],
      }),
    });
    await this.send(bytes);
  }

  async send(bytes: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket) throw new Error('not open');
    await new Promise<void>((resolve) => socket.send(bytes, this.port, '127.0.0.1', () => resolve()));
  }

  async pressDown(): Promise<void> {
    this.level = true;
    this.presses++;
    await this.report();
  }

  async release(): Promise<void> {
    this.level = false;
    this.count = (this.count + 1) & 0xffff;
    await this.report();
  }

  /** The device got another address (DHCP): same id, same counters, new source. */
  async moveTo(address: string): Promise<void> {
    this.close();
    this.address = address;
    await this.open();
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}

export function macFor(index: number): string {
  return `98CDAC${(0x100000 + index).toString(16).toUpperCase().slice(-6)}`;
}
