import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../agent/config/load.ts';
import { BIN } from '../helpers/cli.ts';
import { REPO } from '../helpers/paths.ts';

const RUN_SH = join(REPO, 'contrib', 'homeassistant', 'doorbell-agent', 'run.sh');

/**
 * The add-on's start script as the Supervisor runs it, outside a container: bashio's functions are stubbed with
 * what the Supervisor answers (the MQTT service of the Mosquitto add-on, the add-on's address and ingress port),
 * `doorbell-agent ha-addon-config` is the real CLI, and `doorbell-agent run` only records its arguments.
 */
function startScript(options: unknown, mqttAvailable = true, bashioApp = false) {
  // bashio 0.18 and later name the add-on's functions bashio::app.* (bashio::addon.* warn); earlier, only addon.*.
  const self = bashioApp ? 'app' : 'addon';
  const root = mkdtempSync(join(tmpdir(), 'ha-addon-'));
  const data = join(root, 'data');
  const bin = join(root, 'bin');
  mkdirSync(data);
  mkdirSync(bin);
  writeFileSync(join(data, 'options.json'), JSON.stringify(options));
  writeFileSync(
    join(root, 'bashio.sh'),
    `bashio::services.available() { ${mqttAvailable ? 'true' : 'false'}; }
bashio::services() { printf '%s' '{"addon":"core_mosquitto","host":"core-mosquitto","port":"1883","ssl":false,"username":"addons","password":"s3cret p@ss","protocol":"3.1.1"}'; }
bashio::${self}.ip_address() { printf '172.30.32.1'; }
bashio::${self}.ingress_port() { printf '63812'; }
bashio::log.info() { echo "INFO: $*" >&2; }
bashio::exit.nok() { echo "FATAL: $*" >&2; exit 1; }
`,
  );
  const agent = join(bin, 'doorbell-agent');
  writeFileSync(
    agent,
    `#!/bin/sh
if [ "$1" = run ]; then echo "run $*" > "${join(root, 'ran')}"; exit 0; fi
exec "${process.execPath}" "${BIN}" "$@"
`,
  );
  chmodSync(agent, 0o755);
  const result = spawnSync('bash', ['-c', `. "${join(root, 'bashio.sh')}"; . "${RUN_SH}"`], {
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      DOORBELL_ADDON_DATA: data,
      DOORBELL_ADDON_SHARE: join(root, 'share'),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const ran = (() => {
    try {
      return readFileSync(join(root, 'ran'), 'utf8').trim();
    } catch {
      return null;
    }
  })();
  return { ...result, root, data, ran };
}

describe('the add-on start script (run.sh)', () => {
  it("writes the agent's config from the options and the MQTT service, then runs the agent on it", () => {
    const { status, stderr, data, ran, root } = startScript({
      doorbells: [
        { id: 'shellyuni-98CDAC25ABCD', name: 'Front door', wiring_plot: 'doorbell-agent/front.svg' },
      ],
      log_level: 'info',
    });
    expect(stderr).toContain('ha-addon-config: 1 doorbell, written to');
    expect(status).toBe(0);
    expect(ran).toBe(`run run --config ${data}/doorbell-agent.yaml --data ${data}`);
    // The password went through a pipe into an owner-only file, never into the config or a command line.
    expect(readFileSync(join(data, 'mqtt-password'), 'utf8')).toBe('s3cret p@ss\n');
    expect(statSync(join(data, 'mqtt-password')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(data, 'doorbell-agent.yaml'), 'utf8')).not.toContain('s3cret');
    // What the agent will load: the broker, the store in /data, the status page for ingress only.
    const config = loadConfig(join(data, 'doorbell-agent.yaml'), {}, { requireDevices: true });
    expect(config.mqtt).toMatchObject({
      url: 'mqtt://core-mosquitto:1883',
      username: 'addons',
      password: 's3cret p@ss',
    });
    expect(config.store.path).toBe(join(data, 'doorbell-agent.sqlite'));
    expect(config.metrics).toEqual({
      enabled: true,
      host: '172.30.32.1',
      port: 63812,
      allow_from: ['172.30.32.2'],
    });
    expect(config.devices[0]).toMatchObject({
      name: 'Front door',
      wiring_plot: join(root, 'share/doorbell-agent/front.svg'),
    });
  });

  it('asks bashio::app.* for the ingress address where bashio has them (0.18 and later)', () => {
    const { status, stderr, data, ran } = startScript(
      { doorbells: [{ id: 'shellyuni-98CDAC25ABCD' }], log_level: 'info' },
      true,
      true,
    );
    expect(stderr).toContain('ha-addon-config: 1 doorbell, written to');
    expect(status).toBe(0);
    expect(ran).toBe(`run run --config ${data}/doorbell-agent.yaml --data ${data}`);
    const config = loadConfig(join(data, 'doorbell-agent.yaml'), {}, { requireDevices: true });
    expect(config.metrics).toMatchObject({ host: '172.30.32.1', port: 63812 });
  });

  it('stops with the option to fix when the options cannot be used, and does not start the agent', () => {
    const { status, stderr, ran } = startScript({ doorbells: [], log_level: 'info' });
    expect(status).toBe(2);
    expect(stderr).toContain('doorbells: add at least one doorbell');
    expect(ran).toBeNull();
  });

  it('stops when there is no MQTT broker', () => {
    const { status, stderr, ran } = startScript({ doorbells: [{ id: 'shellyuni-98CDAC25ABCD' }] }, false);
    expect(status).toBe(1);
    expect(stderr).toContain('install and start the Mosquitto broker add-on');
    expect(ran).toBeNull();
  });
});
