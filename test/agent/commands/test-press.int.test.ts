import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ManagedUni, startManagedUni } from '../../../simulator/emulator/managed-uni.ts';
import { factorySettings, type UniSettings } from '../../../simulator/emulator/persisted-settings.ts';
import { runCli } from '../../helpers/cli.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const mac = (n: number) => `AABB${(process.pid & 0xffff).toString(16).padStart(4, '0').toUpperCase()}55${n}`;

describe('doorbell-agent test-press without a running agent (it listens and decides itself)', () => {
  let broker: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    broker = await sharedBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  /** A Uni sending CoIoT to `port` (and MQTT to the broker), a config for it, and test-press pressing it when asked. */
  async function pressTest(
    n: number,
    settings: (port: number) => Partial<UniSettings>,
    chime: object,
    hold = 0.3,
  ) {
    const port = await freeUdpPort();
    const dir = mkdtempSync(join(tmpdir(), 'doorbell-test-press-'));
    const uni: ManagedUni = await startManagedUni({
      gen: 'gen1',
      mac: mac(n),
      http: {},
      settings: { ...factorySettings(), ...settings(port) },
    });
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      stringify({
        devices: [{ id: uni.id, address: '127.0.0.1', chime }],
        mqtt: { url: broker.url, base_topic: `nobody-runs-${n}-${process.pid}` },
        coiot: { listen: '127.0.0.1', port, multicast: false },
      }),
    );
    let pressed = false;
    const result = await runCli(['test-press', '--config', config, '--timeout', '30'], {
      killAfter: (_stderr, stdout) => {
        if (!pressed && stdout.includes('press the doorbell now')) {
          pressed = true;
          uni.input([
            { t: 0.05, level: 1 },
            { t: 0.05 + hold, level: 0 },
          ]);
        }
        return false;
      },
      timeoutMs: 60_000,
    });
    await uni.stop();
    return result;
  }

  const detached = (port: number): Partial<UniSettings> => ({
    btnTypes: ['detached', 'detached'],
    coiot: { enabled: true, peer: `127.0.0.1:${port}`, updatePeriodS: 1 },
    mqtt: { enabled: true, server: new URL(broker.url).host, user: '', pass: '' },
  });

  it('a set-up Uni: both paths heard, the hold matches, one ring decided as the agent would (exit 0)', async () => {
    const result = await pressTest(1, detached, { mode: 'mechanical' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/the agent is not running: listening myself \(CoIoT UDP \d+, MQTT mqtt:/);
    expect(result.stdout).toMatch(/^heard +\+0\.\d{3} s +coiot +high$/m);
    expect(result.stdout).toMatch(/^heard .* mqtt +event S, event_cnt 1$/m);
    expect(result.stdout).toMatch(
      /^paths +CoIoT: \d+ reports, [1-9]\d* changes; MQTT: \d+ reports, [1-9]\d* changes$/m,
    );
    expect(result.stdout).toMatch(/^hold +0\.\d\d s: matches a mechanical chime$/m);
    expect(result.stdout.match(/^rings /gm)).toHaveLength(1);
    expect(result.stdout).toMatch(/decided by test-press \(as the agent would\)/);
    expect(result.stdout).toMatch(/OK: one press, one ring\n$/);
    expect(result.code).toBe(0);
  });

  it('a hold that does not match the electronic chime setting: advice and exit 5', async () => {
    const result = await pressTest(2, detached, { mode: 'electronic', duration_s: 5 }, 2);
    // Measured from arrivals, so within a few tens of ms of the 2 s the doorbell held.
    expect(result.stdout).toMatch(/^hold +[12]\.\d\d s: does NOT match the electronic chime \(5 s\)$/m);
    expect(result.stdout).toMatch(
      /^advice +the doorbell held the line [12]\.\d s: set chime: \{ mode: electronic, duration_s: 2 \}$/m,
    );
    expect(result.code).toBe(5);
  });

  it('a Uni still in toggle with MQTT off: its edge rings, with advice for each', async () => {
    const toggle = (port: number): Partial<UniSettings> => ({
      coiot: { enabled: true, peer: `127.0.0.1:${port}`, updatePeriodS: 1 },
    });
    const result = await pressTest(3, toggle, { mode: 'mechanical' });
    expect(result.stdout).toMatch(/advice +no MQTT from the Uni/);
    expect(result.stdout).toMatch(
      /advice +the input changed but the Uni counted no event: its btn_type is still toggle/,
    );
    // The edge still rings; without a counter a lost report could not be recovered.
    expect(result.stdout).toMatch(/^rings +coiot, press_id/m);
    expect(result.code).toBe(0);
  });

  it('nothing heard before --timeout: exit 3; several devices and no --device: exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorbell-test-press-'));
    const config = join(dir, 'agent.yaml');
    const port = await freeUdpPort();
    const devices = [{ id: `shellyuni-${mac(4)}` }, { id: `shellyuni-${mac(5)}` }];
    writeFileSync(
      config,
      stringify({
        devices,
        mqtt: { url: broker.url },
        coiot: { listen: '127.0.0.1', port, multicast: false },
      }),
    );
    const two = await runCli(['test-press', '--config', config]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/the config has several doorbells: .*; name one with --device/);
    const quiet = await runCli([
      'test-press',
      '--config',
      config,
      '--device',
      devices[0]?.id as string,
      '--timeout',
      '1',
    ]);
    expect(quiet.stdout).toMatch(/nothing heard from the doorbell\n$/);
    expect(quiet.stdout).toMatch(/advice +no CoIoT from the Uni/);
    expect(quiet.code).toBe(3);
  });
});
