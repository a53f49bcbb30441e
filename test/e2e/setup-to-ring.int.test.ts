import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { decodeCoiot } from '../../agent/protocol/coiot-packet.ts';
import { readG } from '../../agent/protocol/coiot-status.ts';
import { BIN, runCli } from '../helpers/cli.ts';
import { freePort, isolatedBroker } from '../helpers/mosquitto.ts';
import { freeUdpPort } from '../helpers/udp.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAC = `AABB${(process.pid & 0xffff).toString(16).padStart(4, '0').toUpperCase()}E2E1`;
const ID = `shellyuni-${MAC}`;

/** A long-running command as a real process, its output kept; `until` waits for a line. */
function background(args: string[], cwd: string) {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd,
    // stdin a pipe nobody writes to: the emulator presses on every line it reads there.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, DOORBELL_AGENT_LOG_LEVEL: undefined, DOORBELL_AGENT_DATA: undefined },
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    until: async (what: RegExp) => {
      for (let i = 0; i < 1500 && !what.test(out); i++) await sleep(20);
      if (!what.test(out)) throw new Error(`never saw ${what} in:\n${out}`);
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('from a factory-new Uni with a password to one ring: discover → setup → run → test-press (processes)', () => {
  let broker: { url: string; stop(): Promise<void> };
  let watcher: MqttClient;
  const rings: string[] = [];
  const ha = dgram.createSocket('udp4');
  const haGot: Buffer[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'doorbell-e2e-setup-'));
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    broker = await isolatedBroker();
    watcher = await connectAsync(broker.url, { clientId: `e2e-watch-${MAC}` });
    watcher.on('message', (topic, payload) => {
      if (topic.endsWith(`/${ID}/ring`)) rings.push(payload.toString());
    });
    await watcher.subscribeAsync(`+/${ID}/ring`, { qos: 1 });
    ha.on('message', (bytes) => haGot.push(bytes));
    await new Promise<void>((r) => ha.bind(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await watcher?.endAsync();
    ha.close();
    await broker?.stop();
  });

  it('rings once on the broker, and Home Assistant keeps hearing CoIoT through coiot.forward', async () => {
    const http = await freePort();
    const coiot = await freeUdpPort();
    const config = join(cwd, 'doorbell-agent.yaml');

    // 1. A Uni fresh from the box: toggle, CoIoT multicast, MQTT off, a password on its web UI.
    const uni = background(
      [
        'emulate',
        '--factory',
        '--password',
        'secret',
        '--id',
        ID,
        '--http',
        String(http),
        '--coiot-port',
        String(coiot),
        '--coiot-period',
        '2',
      ],
      cwd,
    );
    stops.push(uni.stop);
    await uni.until(/emulating shellyuni-\w+ \(SHUNI-1\).*CoIoT multicast, MQTT off, password set/);

    // 2. discover: it hears the Uni by multicast; a press shows which input is the doorbell's.
    let pressed = false;
    const found = await runCli(
      ['discover', '--seconds', '6', '--port', String(coiot), '--mqtt', broker.url, '--write-config', config],
      {
        cwd,
        killAfter: (_e, out) => {
          if (!pressed && out.includes('listening')) {
            pressed = true;
            uni.child.kill('SIGUSR1');
          }
          return false;
        },
      },
    );
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(new RegExp(`\\* +${ID} +SHUNI-1 +gen1 .*via coiot +input 0 changed`));
    // The user gives the agent its own topics on this shared broker (a comment of theirs too).
    const doc = parseDocument(readFileSync(config, 'utf8'));
    doc.setIn(['mqtt', 'base_topic'], `doorbell-e2e-${process.pid}`);
    writeFileSync(config, `${doc.toString()}# my own note\n`);

    // 3. setup, with the password: detached input, CoIoT to the agent (forwarded to HA), MQTT, a reboot.
    const setup = await runCli(
      [
        'setup',
        `127.0.0.1:${http}`,
        '--password',
        'secret',
        '--coiot-peer',
        `127.0.0.1:${coiot}`,
        '--forward',
        `127.0.0.1:${ha.address().port}`,
        '--mqtt',
        broker.url,
        '--config',
        config,
        '--yes',
      ],
      { cwd },
    );
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toMatch(/input 0 mode \(btn_type\) +toggle → detached/);
    expect(setup.stdout).toMatch(/back after its reboot, every change kept/);
    const text = readFileSync(config, 'utf8');
    expect(text).toMatch(/# the input that changed while discover listened/);
    expect(text).toMatch(/# my own note/);
    expect(parse(text)).toMatchObject({
      devices: [{ id: ID, input: 0, address: `127.0.0.1:${http}`, chime: { mode: 'mechanical' } }],
      coiot: { port: coiot, forward: [`127.0.0.1:${ha.address().port}`] },
    });

    // 4. run: the agent hears the Uni (HA's listener gets the forwarded copy).
    const agent = background(['run', '--config', config], cwd);
    stops.push(agent.stop);
    await agent.until(/"msg":"running"/);
    const heardBefore = haGot.length;
    for (let i = 0; i < 500 && haGot.length === heardBefore; i++) await sleep(20);
    expect(haGot.length, `${agent.output()}\n${uni.output().slice(-3000)}`).toBeGreaterThan(heardBefore);

    // 5. test-press: the installer presses the doorbell when asked.
    let rang = false;
    const test = await runCli(['test-press', '--config', config, '--timeout', '60'], {
      cwd,
      timeoutMs: 90_000,
      killAfter: (_e, out) => {
        if (!rang && out.includes('press the doorbell now')) {
          rang = true;
          uni.child.kill('SIGUSR1');
        }
        return false;
      },
    });
    expect(test.stdout).toMatch(/the agent is running: reading its rings/);
    expect(test.stdout).toMatch(/OK: one press, one ring\n$/);
    expect(test.code).toBe(0);
    expect(rings).toHaveLength(1);
    expect(JSON.parse(rings[0] as string)).toMatchObject({
      event_type: 'ring',
      device: ID,
      input: 0,
      recovered: false,
    });

    // Home Assistant's listener heard the press itself, byte for byte as the Uni sent it.
    const statuses = haGot.map((b) => decodeCoiot(b));
    expect(statuses.every((m) => m.deviceId === ID)).toBe(true);
    expect(statuses.some((m) => readG(m.payload).get(2103) === 1)).toBe(true);
    expect(await agent.stop()).toBe(0);
  });
});
