import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.ts';
import { freePort, mosquittoPath, waitForPort } from '../helpers/mosquitto.ts';
import { REPO } from '../helpers/paths.ts';
import { freeUdpPort } from '../helpers/udp.ts';

/**
 * The fleet layout of contrib/fleet/, with real processes: a central mosquitto (central.conf, fleet.acl), two site
 * mosquittos bridged to it (site-bridge.conf, rendered per site), and at each site a real `doorbell-agent run`
 * (mqtt.base_topic sites/<site>/doorbell) fed CoIoT by a real `doorbell-agent emulate`, pressed with SIGUSR1.
 * The configuration files are used as written, less their TLS part (marked in each file) and with loopback
 * addresses, test ports and scratch paths.
 */

const SITES = ['home-a', 'home-b'] as const;
type Site = (typeof SITES)[number];
const DEVICE: Record<Site, string> = {
  'home-a': 'shellyuni-98CDAC00A001',
  'home-b': 'shellyuni-98CDAC00B001',
};
const PASSWORD = 'fleet-test-password';
const FLEET = join(REPO, 'contrib', 'fleet');

interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const procs: Proc[] = [];

function start(command: string, args: string[]): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const proc: Proc = {
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
  procs.push(proc);
  return proc;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false, proc?: Proc, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${proc ? `; its output:\n${proc.output()}` : ''}`);
    await sleep(25);
  }
}

/** The TLS part of a contrib/fleet file ends it, after a `# --- TLS` line; the test runs on loopback without it. */
function withoutTls(text: string): string {
  return text.split(/^# --- TLS.*$/m)[0] as string;
}

async function startBroker(name: string, dir: string, port: number, body: string): Promise<Proc> {
  const conf = join(dir, `${name}.conf`);
  // mosquitto started as root runs as the mosquitto user: it must be able to write its persistence folder.
  const data = join(dir, name);
  mkdirSync(data, { recursive: true });
  chmodSync(data, 0o777);
  const test = `listener ${port} 127.0.0.1\npersistence_location ${data}/\nautosave_interval 1\n`;
  writeFileSync(conf, `${test}autosave_on_changes true\nlog_dest file ${data}/log\nlog_type all\n${body}`);
  const proc = start(mosquittoPath(), ['-c', conf]);
  try {
    await waitForPort(port);
  } catch (error) {
    throw new Error(`${(error as Error).message}; its output:\n${proc.output()}`);
  }
  return proc;
}

interface Ring {
  topic: string;
  site: string;
  payload: { device: string; press_id: string };
}

describe('fleet: two sites bridged to a central mosquitto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doorbell-fleet-'));
  chmodSync(dir, 0o755); // the brokers read their password file here as the mosquitto user
  let centralPort: number;
  let central: Proc;
  let centralBody: string;
  let reader: MqttClient;
  const rings: Ring[] = [];
  const seenAtSite: Record<Site, string[]> = { 'home-a': [], 'home-b': [] };
  const emulators = {} as Record<Site, Proc>;
  const siteWatchers: MqttClient[] = [];
  let pressesMade = 0;

  const lastPress: Record<Site, number> = { 'home-a': 0, 'home-b': 0 };
  const press = async (site: Site) => {
    // Presses of a mechanical chime closer than hold + settle_s are one press (bounce): keep them apart.
    await sleep(Math.max(0, lastPress[site] + 1_000 - Date.now()));
    lastPress[site] = Date.now();
    const before = seenAtSite[site].length;
    emulators[site].child.kill('SIGUSR1');
    pressesMade++;
    // The ring reached the site's broker: from there on it is the bridge's to deliver.
    await until(`a ring at ${site}'s broker`, () => seenAtSite[site].length > before, emulators[site]);
  };

  beforeAll(async () => {
    centralPort = await freePort();
    // Central: the documented config, the site users and a reader in its password file, its ACL.
    const passwd = join(dir, 'fleet.passwd');
    for (const [i, user] of [...SITES, 'fleet-reader'].entries())
      execFileSync('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', passwd, user, PASSWORD]);
    chmodSync(passwd, 0o644);
    // The brokers run as the mosquitto user, which may not reach into the checkout: their files sit in `dir`.
    const acl = join(dir, 'fleet.acl');
    copyFileSync(join(FLEET, 'fleet.acl'), acl);
    chmodSync(acl, 0o644);
    centralBody = withoutTls(readFileSync(join(FLEET, 'central.conf'), 'utf8'))
      .replace(/^password_file .*$/m, `password_file ${passwd}`)
      .replace(/^acl_file .*$/m, `acl_file ${acl}`);
    central = await startBroker('central', dir, centralPort, centralBody);
    reader = await connectAsync(`mqtt://127.0.0.1:${centralPort}`, {
      clientId: `fleet-reader-${process.pid}`,
      username: 'fleet-reader',
      password: PASSWORD,
      clean: false,
      reconnectPeriod: 200,
    });
    reader.on('message', (topic, payload, packet) => {
      if (packet.retain) return;
      const site = /^sites\/([^/]+)\/doorbell\/[^/]+\/ring$/.exec(topic)?.[1];
      if (site) rings.push({ topic, site, payload: JSON.parse(payload.toString()) });
    });
    await reader.subscribeAsync('sites/+/doorbell/+/ring', { qos: 1 });

    for (const site of SITES) {
      const sitePort = await freePort();
      const bridge = withoutTls(readFileSync(join(FLEET, 'site-bridge.conf'), 'utf8'))
        .replaceAll('home-a', site)
        .replace(/^address .*$/m, `address 127.0.0.1:${centralPort}`)
        .replace(/^remote_password .*$/m, `remote_password ${PASSWORD}`);
      await startBroker(site, dir, sitePort, `allow_anonymous true\npersistence true\n${bridge}`);
      const watcher = await connectAsync(`mqtt://127.0.0.1:${sitePort}`, { clientId: `watch-${site}` });
      watcher.on('message', (_t, payload) => seenAtSite[site].push(JSON.parse(payload.toString()).press_id));
      await watcher.subscribeAsync(`sites/${site}/doorbell/+/ring`, { qos: 1 });
      siteWatchers.push(watcher);

      const coiotPort = await freeUdpPort();
      const config = join(dir, `${site}.yaml`);
      writeFileSync(
        config,
        [
          'devices:',
          `  - id: ${DEVICE[site]}`,
          '    address: 127.0.0.1',
          '    chime: { mode: mechanical, settle_s: 0.3 }',
          'mqtt:',
          `  url: mqtt://127.0.0.1:${sitePort}`,
          `  base_topic: sites/${site}/doorbell`,
          `  client_id: doorbell-agent-${site}`,
          'homeassistant: { enabled: false }',
          'shelly_mqtt: { enabled: false }',
          `coiot: { listen: 127.0.0.1, port: ${coiotPort}, multicast: false }`,
          'security: { verify_http: false }',
          `store: { path: ${join(dir, `${site}.sqlite`)} }`,
          '',
        ].join('\n'),
      );
      const agent = start(process.execPath, [BIN, 'run', '--config', config]);
      await until(`${site}'s agent running`, () => agent.output().includes('"running"'), agent);
      emulators[site] = start(process.execPath, [
        BIN,
        'emulate',
        '--id',
        DEVICE[site],
        '--coiot',
        `127.0.0.1:${coiotPort}`,
        '--hold',
        '0.3',
      ]);
      await until(`${site}'s emulator`, () => emulators[site].output().includes('press:'), emulators[site]);
    }
    // Both bridges are up: each announced itself (retained 1) under its own site on the central broker.
    const states = new Set<string>();
    const stateWatch = await connectAsync(`mqtt://127.0.0.1:${centralPort}`, {
      clientId: `state-${process.pid}`,
      username: 'fleet-reader',
      password: PASSWORD,
    });
    stateWatch.on('message', (topic, payload) => {
      if (payload.toString() === '1') states.add(topic);
    });
    await stateWatch.subscribeAsync('sites/+/bridge/state', { qos: 1 });
    await until('both bridges connected', () => states.size === 2);
    await stateWatch.endAsync();
  }, 120_000);

  afterAll(async () => {
    await reader?.endAsync(true);
    for (const w of siteWatchers) await w.endAsync(true);
    for (const p of procs.reverse()) await p.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('every ring reaches the central broker once, under its own site, across a central broker restart', async () => {
    // Both sites ring while everything is up.
    await press('home-a');
    await press('home-b');
    await until('2 rings at the central broker', () => rings.length >= 2);

    // The central broker goes away (a restart: it saves its sessions on the way down); both sites ring meanwhile,
    // and their rings wait in the site brokers' bridge queues.
    await central.stop('SIGTERM');
    await press('home-a');
    await press('home-b');
    await press('home-a');
    central = await startBroker('central', dir, centralPort, centralBody);
    await until('the 5 rings at the central broker', () => rings.length >= 5, central, 60_000);

    // One more from each site: a copy of an earlier ring, if any, would come before these on the same bridge.
    await press('home-a');
    await press('home-b');
    await until('all 7 rings at the central broker', () => rings.length >= 7, central);

    expect(pressesMade).toBe(7);
    for (const site of SITES) {
      const ofSite = rings.filter((r) => r.site === site);
      expect(ofSite.map((r) => r.payload.device)).toEqual(ofSite.map(() => DEVICE[site]));
      expect(ofSite.map((r) => r.topic)).toEqual(
        ofSite.map(() => `sites/${site}/doorbell/${DEVICE[site]}/ring`),
      );
      // Once each: the press ids the site's broker saw, in the same order, none twice, none missing.
      expect(ofSite.map((r) => r.payload.press_id)).toEqual(seenAtSite[site]);
      expect(new Set(seenAtSite[site]).size).toBe(seenAtSite[site].length);
    }
    expect(rings.filter((r) => r.site === 'home-a')).toHaveLength(4);
    expect(rings.filter((r) => r.site === 'home-b')).toHaveLength(3);
  }, 180_000);

  it("a site cannot publish under another site's topics (central ACL)", async () => {
    const before = rings.length;
    const forger = await connectAsync(`mqtt://127.0.0.1:${centralPort}`, {
      clientId: `forger-${process.pid}`,
      username: 'home-a',
      password: PASSWORD,
    });
    const fake = { device: DEVICE['home-b'], press_id: 'forged' };
    await forger.publishAsync(`sites/home-b/doorbell/${DEVICE['home-b']}/ring`, JSON.stringify(fake), {
      qos: 1,
    });
    // Its own subtree goes through: once that arrives, the forged one (published first) had its chance.
    const own = { device: DEVICE['home-a'], press_id: 'own' };
    await forger.publishAsync(`sites/home-a/doorbell/${DEVICE['home-a']}/ring`, JSON.stringify(own), {
      qos: 1,
    });
    await until('the allowed message', () => rings.some((r) => r.payload.press_id === 'own'));
    await forger.endAsync();
    expect(rings.slice(before).map((r) => r.payload.press_id)).toEqual(['own']);
  }, 30_000);
});
