import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../agent/config/load.ts';
import type { HealthRecord } from '../../../agent/health/record.ts';
import { SqliteHealthStore } from '../../../agent/store/health-store.ts';
import { runCli } from '../../helpers/cli.ts';

/** A config folder with a few files beside the config, and another folder to run from. */
function layout(config: Record<string, unknown>) {
  const root = mkdtempSync(join(tmpdir(), 'paths-'));
  const etc = join(root, 'etc');
  const elsewhere = join(root, 'elsewhere');
  mkdirSync(join(etc, 'certs'), { recursive: true });
  mkdirSync(elsewhere);
  for (const name of ['certs/ca.pem', 'certs/client.pem', 'certs/client.key'])
    writeFileSync(join(etc, name), 'x');
  writeFileSync(join(etc, 'password'), 'secret\n');
  const file = join(etc, 'doorbell-agent.yaml');
  writeFileSync(file, stringify({ devices: [{ id: 'shellyuni-98CDAC25ABCD' }], ...config }));
  return { root, etc, elsewhere, file };
}

function fromDir<T>(dir: string, fn: () => T): T {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return fn();
  } finally {
    process.chdir(cwd);
  }
}

describe('relative paths in a config file are taken from its folder', () => {
  it("a doorbell's wiring plot, relative or absolute", () => {
    const { etc, elsewhere, file } = layout({});
    writeFileSync(
      file,
      stringify({
        devices: [
          { id: 'shellyuni-98CDAC25ABCD', wiring_plot: 'plots/front.svg' },
          { id: 'shellyuni-98CDAC25ABCE', wiring_plot: '/srv/back.svg' },
          { id: 'shellyuni-98CDAC25ABCF' },
        ],
      }),
    );
    const config = fromDir(elsewhere, () => loadConfig('../etc/doorbell-agent.yaml', {}));
    expect(config.devices.map((d) => d.wiring_plot)).toEqual([
      join(etc, 'plots', 'front.svg'),
      '/srv/back.svg',
      undefined,
    ]);
  });

  it('store, certificates and password files, whatever the current directory', () => {
    const { etc, elsewhere, file } = layout({
      store: { path: 'state/doorbell.sqlite' },
      mqtt: {
        url: 'mqtts://broker:8883',
        password_file: 'password',
        tls: { ca: 'certs/ca.pem', cert: './certs/client.pem', key: 'certs/client.key' },
      },
    });
    const config = fromDir(elsewhere, () => loadConfig('../etc/doorbell-agent.yaml', {}));
    expect(config.store.path).toBe(join(etc, 'state', 'doorbell.sqlite'));
    expect(config.mqtt.tls).toMatchObject({
      ca: join(etc, 'certs', 'ca.pem'),
      cert: join(etc, 'certs', 'client.pem'),
      key: join(etc, 'certs', 'client.key'),
    });
    expect(config.mqtt.password_file).toBe(join(etc, 'password'));
    expect(config.mqtt.password).toBe('secret');
    expect(loadConfig(file, {}).store.path).toBe(join(etc, 'state', 'doorbell.sqlite'));
  });

  it('the default store goes beside the config file', () => {
    const { etc, elsewhere } = layout({});
    const config = fromDir(elsewhere, () => loadConfig(join(etc, 'doorbell-agent.yaml'), {}));
    expect(config.store.path).toBe(join(etc, 'doorbell-agent.sqlite'));
  });

  it('absolute paths stay as written', () => {
    const { file } = layout({ store: { path: '/var/lib/doorbell-agent/state.sqlite' } });
    expect(loadConfig(file, {}).store.path).toBe('/var/lib/doorbell-agent/state.sqlite');
  });

  it('a relative path set by an environment variable is taken from the current directory', () => {
    const { elsewhere, file } = layout({});
    const config = fromDir(elsewhere, () => loadConfig(file, { DOORBELL_AGENT_STORE_PATH: 'mine.sqlite' }));
    expect(config.store.path).toBe(join(elsewhere, 'mine.sqlite'));
  });

  it('names a certificate that is not there, at its line, with the resolved path', () => {
    const { etc, file } = layout({ mqtt: { url: 'mqtts://broker:8883', tls: { ca: 'certs/nope.pem' } } });
    expect(() => loadConfig(file, {})).toThrow(
      `${file}:6:5 mqtt.tls.ca: cannot read ${join(etc, 'certs', 'nope.pem')} (ENOENT)`,
    );
  });
});

describe('the data directory holds the store unless store.path is set', () => {
  it('--data (dataDir) and DOORBELL_AGENT_DATA; --data wins', () => {
    const { root, file } = layout({});
    expect(loadConfig(file, {}, { dataDir: join(root, 'data') }).store.path).toBe(
      join(root, 'data', 'doorbell-agent.sqlite'),
    );
    expect(loadConfig(file, { DOORBELL_AGENT_DATA: join(root, 'var') }).store.path).toBe(
      join(root, 'var', 'doorbell-agent.sqlite'),
    );
    expect(
      loadConfig(file, { DOORBELL_AGENT_DATA: join(root, 'var') }, { dataDir: join(root, 'data') }).store
        .path,
    ).toBe(join(root, 'data', 'doorbell-agent.sqlite'));
  });

  it('a store.path in the file wins over the data directory', () => {
    const { etc, root, file } = layout({ store: { path: 'kept.sqlite' } });
    expect(loadConfig(file, {}, { dataDir: join(root, 'data') }).store.path).toBe(join(etc, 'kept.sqlite'));
  });
});

describe('status --config from another folder (a real process)', () => {
  /** A store such as the agent leaves: one health record. */
  function agentStore(path: string): void {
    const db = new Database(path);
    const record: HealthRecord = {
      device: 'shellyuni-98CDAC25ABCD',
      input: 0,
      name: 'shellyuni-98CDAC25ABCD',
      savedMs: Date.now(),
      connected: true,
      lastReportMs: Date.now(),
      lastReportVia: 'coiot',
      presses: 0,
      lastRing: null,
      problems: [],
      battery: null,
      pressMah: 0,
      serialGapsTotal: 0,
    };
    new SqliteHealthStore(db).saveHealth('shellyuni-98CDAC25ABCD#0', record);
    db.close();
  }

  it('finds the store the agent wrote beside its config', async () => {
    const { etc, elsewhere, file } = layout({});
    agentStore(join(etc, 'doorbell-agent.sqlite'));
    const result = await runCli(['status', '--config', file], { cwd: elsewhere });
    expect(result.stdout).not.toMatch(/has not run/);
    expect(result.stdout).toContain(join(etc, 'doorbell-agent.sqlite'));
    expect(result.stdout).toMatch(/Shelly {5}online/);
    expect(result.code).toBe(0);
  });

  it('finds the store in the data directory given with --data or DOORBELL_AGENT_DATA', async () => {
    const { root, elsewhere, file } = layout({});
    mkdirSync(join(root, 'data'));
    agentStore(join(root, 'data', 'doorbell-agent.sqlite'));
    for (const how of [
      { args: ['--data', join(root, 'data')], env: {} },
      { args: [], env: { DOORBELL_AGENT_DATA: join(root, 'data') } },
    ]) {
      const result = await runCli(['status', '--config', file, ...how.args], {
        cwd: elsewhere,
        env: how.env,
      });
      expect(result.stdout).toContain(join(root, 'data', 'doorbell-agent.sqlite'));
      expect(result.code).toBe(0);
    }
  });
});
