import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ManagedUni, startManagedUni } from '../../../simulator/emulator/managed-uni.ts';
import { factorySettings } from '../../../simulator/emulator/persisted-settings.ts';
import { runCli } from '../../helpers/cli.ts';
import { isolatedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const mac = (n: number) => `AABB${(process.pid & 0xffff).toString(16).padStart(4, '0').toUpperCase()}99${n}`;

describe('doorbell-agent discover (the CLI as a process)', () => {
  let broker: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    broker = await isolatedBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('lists what it hears on CoIoT multicast and MQTT, marks the Unis, shows the input pressed, writes a starter config', async () => {
    const port = await freeUdpPort();
    const cwd = mkdtempSync(join(tmpdir(), 'doorbell-discover-'));
    const unis: ManagedUni[] = [];
    const other = await connectAsync(broker.url, { clientId: `shelly1-${mac(0)}` });
    let acted = false;
    const act = async () => {
      // A factory Uni multicasting CoIoT, a Plus Uni on MQTT, and a Shelly 1 announcing itself.
      const gen1 = await startManagedUni({ gen: 'gen1', mac: mac(1), http: {}, coiotMulticastPort: port });
      const plus = await startManagedUni({
        gen: 'plus',
        mac: mac(2),
        http: {},
        settings: {
          ...factorySettings(),
          mqtt: { enabled: true, server: new URL(broker.url).host, user: '', pass: '' },
        },
      });
      unis.push(gen1, plus);
      gen1.input([
        { t: 0.05, level: 1 },
        { t: 0.3, level: 0 },
      ]);
      await other.publishAsync(
        'shellies/announce',
        JSON.stringify({
          id: `shelly1-${mac(0)}`,
          model: 'SHSW-1',
          mac: mac(0),
          ip: '192.168.1.40',
          fw_ver: '20230913-112003/v1.14.0-gcb84623',
        }),
      );
    };
    const result = await runCli(
      [
        'discover',
        '--seconds',
        '4',
        '--port',
        String(port),
        '--mqtt',
        broker.url,
        '--write-config',
        'found.yaml',
      ],
      {
        cwd,
        killAfter: (_stderr, stdout) => {
          if (!acted && stdout.includes('listening')) {
            acted = true;
            void act();
          }
          return false;
        },
      },
    );
    for (const uni of unis) await uni.stop();
    await other.endAsync();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const line = (id: string) => lines.find((l) => l.includes(id)) ?? '';
    expect(line(`shellyuni-${mac(1)}`)).toMatch(
      /^ {2}\* +shellyuni-\w+ +SHUNI-1 +gen1 +\S+ .*via coiot +input 0 changed$/,
    );
    expect(line(`shellyplusuni-${mac(2).toLowerCase()}`)).toMatch(
      /^ {2}\* +shellyplusuni-\w+ +SNSN-0043X +gen2 .*via mqtt/,
    );
    expect(line(`shelly1-${mac(0)}`)).toMatch(
      /^ {5}shelly1-\w+ +SHSW-1 +gen1 +192\.168\.1\.40 +fw 20230913-112003\/v1\.14\.0-gcb84623 +via mqtt$/,
    );
    const config = parse(readFileSync(join(cwd, 'found.yaml'), 'utf8'));
    expect(config.devices.map((d: { id: string; input: number }) => [d.id, d.input])).toEqual([
      [`shellyplusuni-${mac(2).toLowerCase()}`, 0],
      [`shellyuni-${mac(1)}`, 0],
    ]);
    expect(config.coiot).toEqual({ port });
    expect(config.mqtt).toEqual({ url: broker.url.replace(/\/$/, '') });
    expect(readFileSync(join(cwd, 'found.yaml'), 'utf8')).toMatch(
      /# the input that changed while discover listened/,
    );
  });

  it('exit 3 when nothing is heard; exit 2 rather than overwrite a config', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'doorbell-discover-'));
    const quiet = await runCli(['discover', '--seconds', '1', '--port', String(await freeUdpPort())], {
      cwd,
    });
    expect(quiet.code).toBe(3);
    expect(quiet.stdout).toMatch(/heard no Shelly in 1 s/);
    writeFileSync(join(cwd, 'mine.yaml'), 'devices: []\n');
    const kept = await runCli(['discover', '--write-config', 'mine.yaml'], { cwd });
    expect(kept.code).toBe(2);
    expect(kept.stderr).toMatch(/mine\.yaml exists; add devices to it with doorbell-agent setup/);
    expect(readFileSync(join(cwd, 'mine.yaml'), 'utf8')).toBe('devices: []\n');
  });
});
