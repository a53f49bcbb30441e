import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { connectAsync } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceAuthRefused, DeviceRefused, DeviceUnreachable } from '../../../agent/io/device-errors.ts';
import { deviceRequest } from '../../../agent/io/device-request.ts';
import { Gen1Http } from '../../../agent/io/shelly-gen1-http.ts';
import { Gen2Rpc } from '../../../agent/io/shelly-gen2-rpc.ts';
import { decodeCoiot } from '../../../agent/protocol/coiot-packet.ts';
import { readG } from '../../../agent/protocol/coiot-status.ts';
import { type ManagedUni, startManagedUni } from '../../../simulator/emulator/managed-uni.ts';
import { factorySettings } from '../../../simulator/emulator/persisted-settings.ts';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`never: ${what}`);
};
const press = (uni: ManagedUni) =>
  uni.input([
    { t: 0.01, level: 1 },
    { t: 0.2, level: 0 },
  ]);
const withPassword = () => ({
  ...factorySettings(),
  login: { enabled: true, username: 'admin', password: 'secret' },
});
const mac = (n: number) => `AABB${(process.pid & 0xffff).toString(16).padStart(4, '0').toUpperCase()}77${n}`;

/** CoIoT statuses arriving on a UDP port (optionally joined to the multicast group). */
async function coiotSink(port: number, multicast: boolean) {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const got: Array<{ g: Map<number, number | string>; from: string }> = [];
  socket.on('message', (bytes, remote) => {
    const m = decodeCoiot(bytes);
    got.push({ g: readG(m.payload), from: `${remote.address}:${remote.port}` });
  });
  await new Promise<void>((r) => socket.bind(port, multicast ? '0.0.0.0' : '127.0.0.1', r));
  if (multicast) socket.addMembership('224.0.1.187');
  return { got, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

describe('emulated Uni configured over its own API', () => {
  let broker: { url: string; stop(): Promise<void> };
  const started: ManagedUni[] = [];
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    broker = await sharedBroker();
  });
  afterEach(async () => {
    for (const uni of started.splice(0)) await uni.stop();
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('Gen1 factory default with a password: basic auth, toggle sends no events, settings persist across reboots and move CoIoT and MQTT', async () => {
    const mcastPort = await freeUdpPort();
    const peerPort = await freeUdpPort();
    const mcast = await coiotSink(mcastPort, true);
    const peer = await coiotSink(peerPort, false);
    closers.push(mcast.close, peer.close);
    const uni = await startManagedUni({
      gen: 'gen1',
      mac: mac(1),
      settings: withPassword(),
      http: {},
      coiotMulticastPort: mcastPort,
      bootS: 0.3,
    });
    started.push(uni);
    const address = { host: '127.0.0.1', port: uni.httpPort };

    // /shelly is open and says a password is set; everything else needs it.
    const shelly = (await new Gen1Http(address, null).get('/shelly')) as Record<string, unknown>;
    expect(shelly).toMatchObject({ type: 'SHUNI-1', auth: true, mac: mac(1) });
    await expect(new Gen1Http(address, null).get('/settings')).rejects.toBeInstanceOf(DeviceAuthRefused);
    await expect(
      new Gen1Http(address, { username: 'admin', password: 'wrong' }).get('/settings'),
    ).rejects.toThrow(/refused user admin/);
    const http = new Gen1Http(address, { username: 'admin', password: 'secret' });
    const factory = (await http.get('/settings')) as {
      relays: Array<{ btn_type: string }>;
      coiot: unknown;
      mqtt: { enable: boolean };
    };
    expect(factory.relays[0]?.btn_type).toBe('toggle');
    expect(factory.coiot).toEqual({ enabled: true, update_period: 15, peer: '' });
    expect(factory.mqtt.enable).toBe(false);

    // Factory toggle: the level is reported (multicast), the event counter never steps.
    await until('the boot status on multicast', () => mcast.got.length > 0);
    press(uni);
    await until('the press on multicast', () => mcast.got.some((s) => s.g.get(2101) === 1));
    await sleep(300);
    expect(mcast.got.every((s) => s.g.get(2103) === 0)).toBe(true);

    // btn_type applies at once; coiot_peer and MQTT wait for a reboot.
    await http.get('/settings/relay/0', { btn_type: 'detached' });
    await http.get('/settings', {
      coiot_peer: `127.0.0.1:${peerPort}`,
      mqtt_enable: 'true',
      mqtt_server: new URL(broker.url).host,
    });
    press(uni);
    await until('an event on multicast', () => mcast.got.some((s) => s.g.get(2103) === 1));
    expect(peer.got).toHaveLength(0);
    const watcher = await connectAsync(broker.url, { clientId: `watch-${mac(1)}` });
    closers.push(() => watcher.endAsync());
    const topics: string[] = [];
    watcher.on('message', (topic) => topics.push(topic));
    await watcher.subscribeAsync(`shellies/${uni.id}/#`);

    await http.get('/reboot');
    await until('down', async () => {
      try {
        await http.get('/shelly');
        return false;
      } catch (error) {
        return error instanceof DeviceUnreachable;
      }
    });
    await until('back', () =>
      http.get('/shelly').then(
        () => true,
        () => false,
      ),
    );
    await until('CoIoT to its peer', () => peer.got.length > 0);
    await until('MQTT online', () => topics.includes(`shellies/${uni.id}/online`));
    const after = (await http.get('/settings')) as typeof factory;
    expect(after.relays[0]?.btn_type).toBe('detached');
    expect(after.coiot).toMatchObject({ peer: `127.0.0.1:${peerPort}` });
    expect(after.mqtt.enable).toBe(true);
    // event_cnt lives in RAM: 0 again after the reboot.
    expect(peer.got.at(-1)?.g.get(2103)).toBe(0);
  });

  it('Gen1: a bad value or a refused setting is a 400 and changes nothing', async () => {
    const uni = await startManagedUni({ gen: 'gen1', mac: mac(2), refuse: ['coiot_peer'], http: {} });
    started.push(uni);
    const http = new Gen1Http({ host: '127.0.0.1', port: uni.httpPort }, null);
    await expect(http.get('/settings/relay/0', { btn_type: 'sideways' })).rejects.toBeInstanceOf(
      DeviceRefused,
    );
    await expect(
      http.get('/settings', { coiot_peer: '127.0.0.1:5683', mqtt_enable: 'true' }),
    ).rejects.toThrow(/HTTP 400 \(Bad coiot_peer/);
    expect(uni.settings.saved).toEqual(factorySettings());
  });

  it('a forgotten setting is accepted (HTTP 200, an RPC result) and reads back as it was, on Gen1 and Plus', async () => {
    const gen1 = await startManagedUni({ gen: 'gen1', mac: mac(5), forget: ['btn_type', 'mqtt'], http: {} });
    started.push(gen1);
    const http = new Gen1Http({ host: '127.0.0.1', port: gen1.httpPort }, null);
    await http.get('/settings/relay/0', { btn_type: 'detached' });
    await http.get('/settings', { mqtt_enable: 'true', mqtt_server: '127.0.0.1:1883', name: 'kept' });
    expect(gen1.settings.saved).toEqual({ ...factorySettings(), name: 'kept' });
    expect(await http.get('/settings')).toMatchObject({
      relays: [expect.objectContaining({ btn_type: 'toggle' }), expect.anything()],
      mqtt: { enable: false },
    });

    const plus = await startManagedUni({ gen: 'plus', mac: mac(6), forget: ['input', 'mqtt'], http: {} });
    started.push(plus);
    const rpc = new Gen2Rpc({ host: '127.0.0.1', port: plus.httpPort }, null);
    expect(await rpc.call('Input.SetConfig', { id: 0, config: { type: 'button' } })).toEqual({
      restart_required: false,
    });
    expect(await rpc.call('MQTT.SetConfig', { config: { enable: true, server: '127.0.0.1:1883' } })).toEqual({
      restart_required: true,
    });
    await rpc.call('Sys.SetConfig', { config: { device: { name: 'kept' } } });
    expect(plus.settings.saved).toEqual({ ...factorySettings(), name: 'kept' });
    expect(await rpc.call('Shelly.GetConfig')).toMatchObject({
      'input:0': { type: 'switch' },
      mqtt: { enable: false },
    });
  });

  it('Plus: another model has its own id (shelly<app>-<mac>)', async () => {
    const uni = await startManagedUni({
      gen: 'plus',
      mac: mac(7),
      identity: { model: 'SNSW-001X16EU' },
      http: {},
    });
    started.push(uni);
    const info = await new Gen2Rpc({ host: '127.0.0.1', port: uni.httpPort }, null).call(
      'Shelly.GetDeviceInfo',
    );
    expect(info).toMatchObject({
      model: 'SNSW-001X16EU',
      app: 'Plus1',
      id: `shellyplus1-${mac(7).toLowerCase()}`,
    });
  });

  it('Plus: SHA-256 digest on everything but Shelly.GetDeviceInfo; Input.SetConfig at once, MQTT.SetConfig after Shelly.Reboot', async () => {
    const uni = await startManagedUni({
      gen: 'plus',
      mac: mac(3),
      settings: withPassword(),
      http: {},
      bootS: 0.3,
    });
    started.push(uni);
    const address = { host: '127.0.0.1', port: uni.httpPort };
    const open = new Gen2Rpc(address, null);
    expect(await open.call('Shelly.GetDeviceInfo')).toMatchObject({
      id: uni.id,
      model: 'SNSN-0043X',
      gen: 2,
      app: 'PlusUni',
      auth_en: true,
      auth_domain: uni.id,
    });
    await expect(open.call('Shelly.GetConfig')).rejects.toThrow(/has a password/);
    await expect(new Gen2Rpc(address, 'wrong').call('Shelly.GetConfig')).rejects.toBeInstanceOf(
      DeviceAuthRefused,
    );
    const rpc = new Gen2Rpc(address, 'secret');
    const config = (await rpc.call('Shelly.GetConfig')) as Record<
      string,
      { type?: string; enable?: boolean }
    >;
    expect(config['input:0']?.type).toBe('switch');
    expect(config.mqtt?.enable).toBe(false);

    expect(await rpc.call('Input.SetConfig', { id: 0, config: { type: 'button' } })).toEqual({
      restart_required: false,
    });
    expect(
      await rpc.call('MQTT.SetConfig', { config: { enable: true, server: new URL(broker.url).host } }),
    ).toEqual({
      restart_required: true,
    });
    await expect(rpc.call('Input.SetConfig', { id: 0, config: { type: 'dimmer' } })).rejects.toThrow(/-103/);
    expect(await rpc.call('Shelly.GetStatus')).toMatchObject({
      sys: { restart_required: true },
      mqtt: { connected: false },
    });

    const watcher = await connectAsync(broker.url, { clientId: `watch-${mac(3)}` });
    closers.push(() => watcher.endAsync());
    const messages: string[] = [];
    watcher.on('message', (topic, payload) => messages.push(`${topic} ${payload}`));
    await watcher.subscribeAsync(`${uni.id}/#`);
    await rpc.call('Shelly.Reboot');
    await until('MQTT online after the reboot', () => messages.includes(`${uni.id}/online true`));
    press(uni);
    await until('a button event', () => messages.some((m) => m.includes('single_push')));
    expect(await rpc.call('Shelly.GetStatus')).toMatchObject({
      sys: { restart_required: false },
      mqtt: { connected: true },
    });
  });

  it('Plus: the `auth` object of a JSON-RPC body, as Shelly documents it, and GET /rpc/<Method> with a Digest header', async () => {
    const uni = await startManagedUni({ gen: 'plus', mac: mac(4), settings: withPassword(), http: {} });
    started.push(uni);
    const address = { host: '127.0.0.1', port: uni.httpPort };
    const post = (body: unknown) =>
      deviceRequest(address, { method: 'POST', path: '/rpc', body: JSON.stringify(body) });
    const first = await post({ id: 1, method: 'Sys.GetConfig' });
    expect(first.status).toBe(401);
    const challenge = JSON.parse(JSON.parse(first.text).error.message) as { nonce: number; realm: string };
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const ha1 = sha(`admin:${challenge.realm}:secret`);
    const response = sha(`${ha1}:${challenge.nonce}:1:42:auth:${sha('dummy_method:dummy_uri')}`);
    const auth = {
      realm: challenge.realm,
      username: 'admin',
      nonce: challenge.nonce,
      cnonce: 42,
      response,
      algorithm: 'SHA-256',
    };
    const second = await post({ id: 2, method: 'Sys.GetConfig', auth });
    expect(JSON.parse(second.text)).toMatchObject({
      id: 2,
      src: uni.id,
      result: { device: { mac: mac(4) } },
    });

    const denied = await deviceRequest(address, { path: '/rpc/Sys.GetConfig' });
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toMatch(
      /^Digest qop="auth", realm=".+", nonce="\d+", algorithm=SHA-256$/,
    );
  });
});
