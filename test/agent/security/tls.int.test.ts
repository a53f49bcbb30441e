import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../agent/config/load.ts';
import { configSchema } from '../../../agent/config/schema.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.ts';
import { FakeUni, sleep, tempDir, waitForTcp, waitUntil } from '../../faults/support.ts';
import { freePort, mosquittoPath } from '../../helpers/mosquitto.ts';
import { freeUdpPort } from '../../helpers/udp.ts';
import { makeTestPki, type TestPki } from './certs.ts';

const MAC = '98CDAC25ABCD';
const ID = `shellyuni-${MAC}`;

async function press(uni: FakeUni): Promise<void> {
  await uni.pressDown();
  await sleep(80);
  await uni.release();
}

describe('MQTT over TLS with client certificates and a password, against a real mosquitto', () => {
  const dir = tempDir('tls-');
  let pki: TestPki;
  let port: number;
  let mosquitto: ChildProcess;
  let agent: RunningAgent | undefined;

  beforeAll(async () => {
    pki = makeTestPki(dir);
    port = await freePort();
    const passwords = join(dir, 'passwords');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwords, 'doorbell', 's3cret-pass']);
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        `listener ${port} 127.0.0.1`,
        `cafile ${pki.ca}`,
        `certfile ${pki.serverCert}`,
        `keyfile ${pki.serverKey}`,
        'require_certificate true',
        'allow_anonymous false',
        `password_file ${passwords}`,
        'persistence false',
        '',
      ].join('\n'),
    );
    // mosquitto started as root drops to its own user, which must be able to read these files.
    chmodSync(dir, 0o755);
    for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644);
    mosquitto = spawn(mosquittoPath(), ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await waitForTcp(port);
  });

  afterAll(async () => {
    await agent?.stop();
    mosquitto?.kill('SIGKILL');
  });

  const tlsClient = (overrides: Record<string, unknown> = {}) =>
    connectAsync(
      `mqtts://127.0.0.1:${port}`,
      {
        ca: readFileSync(pki.ca),
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
        username: 'doorbell',
        password: 's3cret-pass',
        reconnectPeriod: 0,
        ...overrides,
      },
      false,
    );

  it('the broker really refuses: an unknown CA, no client certificate, a wrong password', async () => {
    await expect(tlsClient({ ca: readFileSync(pki.otherCa) })).rejects.toThrow();
    await expect(tlsClient({ cert: undefined, key: undefined })).rejects.toThrow();
    await expect(tlsClient({ password: 'wrong' })).rejects.toThrow(/Not authorized|Bad user/i);
  });

  it('the agent stops at start on a certificate that does not verify or a wrong password (no endless retry)', async () => {
    const base = configSchema.parse({
      mqtt: {
        url: `mqtts://127.0.0.1:${port}`,
        username: 'doorbell',
        password: 's3cret-pass',
        tls: { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey },
      },
      coiot: { enabled: false },
      shelly_mqtt: { enabled: false },
      store: { path: join(dir, 'refused.sqlite') },
    });
    await expect(startAgent({ config: base, log: silentLogger, version: '0' })).rejects.toThrow(
      /certificate/i,
    );
    const wrong = {
      ...base,
      mqtt: { ...base.mqtt, password: 'wrong', tls: { ...base.mqtt.tls, ca: pki.ca } },
    };
    await expect(startAgent({ config: wrong, log: silentLogger, version: '0' })).rejects.toThrow(
      /Not authorized|Bad user/i,
    );
  });

  it('publishes a ring over mqtts with mqtt.tls.* and the password read from password_file', async () => {
    writeFileSync(join(dir, 'mqtt-password'), 's3cret-pass\n');
    const coiotPort = await freeUdpPort();
    const configFile = join(dir, 'agent.yaml');
    writeFileSync(
      configFile,
      [
        'mqtt:',
        `  url: mqtts://127.0.0.1:${port}`,
        '  base_topic: tls',
        '  username: doorbell',
        `  password_file: ${join(dir, 'mqtt-password')}`,
        '  tls:',
        `    ca: ${pki.ca}`,
        `    cert: ${pki.clientCert}`,
        `    key: ${pki.clientKey}`,
        'homeassistant: {enabled: false}',
        'shelly_mqtt: {enabled: false}',
        `coiot: {listen: 127.0.0.1, port: ${coiotPort}, multicast: false}`,
        `store: {path: ${join(dir, 'state.sqlite')}}`,
        'security: {verify_http: false}',
        'devices:',
        `  - id: ${ID}`,
        '',
      ].join('\n'),
    );
    const config = loadConfig(configFile, {});
    const logged: string[] = [];
    const log = {
      debug: (m: string, f?: object) => logged.push(`${m} ${JSON.stringify(f ?? {})}`),
      info: (m: string, f?: object) => logged.push(`${m} ${JSON.stringify(f ?? {})}`),
      warn: (m: string, f?: object) => logged.push(`${m} ${JSON.stringify(f ?? {})}`),
      error: (m: string, f?: object) => logged.push(`${m} ${JSON.stringify(f ?? {})}`),
    };
    const watcher = await tlsClient();
    const rings: string[] = [];
    watcher.on('message', (topic, payload) => topic.endsWith('/ring') && rings.push(payload.toString()));
    await watcher.subscribeAsync('tls/+/ring', { qos: 1 });
    agent = await startAgent({ config, log, version: '0.0.0-test', fetchDescriptions: false });
    const uni = new FakeUni(MAC, '127.0.1.20', coiotPort);
    await uni.open();
    await uni.report();
    await press(uni);
    await waitUntil('ring over TLS', () => rings.length === 1);
    expect(JSON.parse(rings[0] as string)).toMatchObject({ device: ID, press_id: expect.any(String) });
    uni.close();
    await agent.stop();
    agent = undefined;
    await watcher.endAsync();
    expect(logged.join('\n')).not.toContain('s3cret-pass');
  });
});

describe('embedded broker: credentials beyond loopback, TLS', () => {
  const dir = tempDir('tls-embedded-');
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki(dir);
  });

  it('refuses to listen beyond loopback without credentials', async () => {
    const config = configSchema.parse({
      embedded_broker: { host: '0.0.0.0', port: 0 },
      coiot: { enabled: false },
      store: { path: join(dir, 'a.sqlite') },
    });
    await expect(startAgent({ config, log: silentLogger, version: '0' })).rejects.toThrow(
      /embedded_broker\.username and embedded_broker\.password/,
    );
  });

  it('serves mqtts with a password; clients without the right one are refused; rings reach the others', async () => {
    const coiotPort = await freeUdpPort();
    const config = configSchema.parse({
      mqtt: { base_topic: 'emb' },
      embedded_broker: {
        host: '0.0.0.0',
        port: 0,
        username: 'shelly',
        password: 'door-s3cret',
        tls: { cert: pki.serverCert, key: pki.serverKey },
      },
      homeassistant: { enabled: false },
      shelly_mqtt: { enabled: false },
      coiot: { listen: '127.0.0.1', port: coiotPort, multicast: false },
      store: { path: join(dir, 'b.sqlite') },
      security: { verify_http: false },
      devices: [{ id: ID }],
    });
    const agent = await startAgent({ config, log: silentLogger, version: '0', fetchDescriptions: false });
    try {
      expect(agent.brokerUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      const options = { ca: readFileSync(pki.ca), reconnectPeriod: 0, connectTimeout: 3_000 };
      await expect(connectAsync(agent.brokerUrl, options, false)).rejects.toThrow();
      await expect(
        connectAsync(agent.brokerUrl, { ...options, username: 'shelly', password: 'nope' }, false),
      ).rejects.toThrow();
      await expect(
        connectAsync(
          agent.brokerUrl.replace('mqtts', 'mqtt'),
          { username: 'shelly', password: 'door-s3cret', reconnectPeriod: 0, connectTimeout: 2_000 },
          false,
        ),
      ).rejects.toThrow();
      const client = await connectAsync(
        agent.brokerUrl,
        { ...options, username: 'shelly', password: 'door-s3cret' },
        false,
      );
      const rings: string[] = [];
      client.on('message', (_t, payload) => rings.push(payload.toString()));
      await client.subscribeAsync('emb/+/ring', { qos: 1 });
      const uni = new FakeUni(MAC, '127.0.1.21', coiotPort);
      await uni.open();
      await uni.report();
      await press(uni);
      await waitUntil('ring from the embedded TLS broker', () => rings.length === 1);
      uni.close();
      await client.endAsync();
    } finally {
      await agent.stop();
    }
  });
});
