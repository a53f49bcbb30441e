import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../../agent/config/load.ts';
import { ConfigError } from '../../../agent/core/errors.ts';
import { EXAMPLE_TRACES_DIR } from '../../helpers/paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'doorbell-config-'));
let n = 0;
function yamlFile(text: string): string {
  const file = join(dir, `config-${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig: defaults', () => {
  it('fills every section from an empty file', () => {
    const file = yamlFile('');
    const config = loadConfig(file, {});
    expect(config.mqtt).toEqual({
      url: null,
      username: null,
      password: null,
      password_file: null,
      client_id: null,
      base_topic: 'doorbell',
      tls: { ca: null, cert: null, key: null, reject_unauthorized: true },
      reconnect_min_s: 1,
      reconnect_max_s: 60,
    });
    expect(config.embedded_broker).toEqual({
      host: '0.0.0.0',
      port: 1883,
      username: null,
      password: null,
      password_file: null,
      tls: { cert: null, key: null, ca: null },
    });
    expect(config.homeassistant).toEqual({
      enabled: true,
      discovery_prefix: 'homeassistant',
      status_topic: 'homeassistant/status',
    });
    expect(config.coiot).toEqual({
      enabled: true,
      listen: '0.0.0.0',
      port: 5683,
      multicast: true,
      multicast_group: '224.0.1.187',
      interface: null,
      device_sockets: true,
      peers: [],
      forward: [],
    });
    expect(config.shelly_mqtt).toEqual({ enabled: true, gen1_prefix: 'shellies', gen2_prefixes: [] });
    // Beside the configuration file, whatever the current directory.
    expect(config.store.path).toBe(join(dirname(file), 'doorbell-agent.sqlite'));
    expect(config.log).toEqual({ level: 'info', format: 'json' });
    expect(config.detector).toEqual({
      reorder_window_s: 0.6,
      claim_window_s: 600,
      electronic_tolerance_s: 1.5,
      chatter_merge_s: 1,
      longpush_s: null,
    });
    expect(config.devices).toEqual([]);
  });

  it('fills device defaults: name = id, input 0, gen from the id, mechanical chime settling 1 s', () => {
    const config = loadConfig(
      yamlFile(
        'devices:\n  - id: shellyuni-98CDAC25ABCD\n  - id: shellyplusuni-e465b847ca44\n    input: 1\n',
      ),
      {},
    );
    expect(config.devices).toEqual([
      {
        id: 'shellyuni-98CDAC25ABCD',
        name: 'shellyuni-98CDAC25ABCD',
        input: 0,
        gen: 'gen1',
        chime: { mode: 'mechanical', settle_s: 1 },
      },
      {
        id: 'shellyplusuni-e465b847ca44',
        name: 'shellyplusuni-e465b847ca44',
        input: 1,
        gen: 'gen2',
        chime: { mode: 'mechanical', settle_s: 1 },
      },
    ]);
  });

  it('keeps an explicit gen, name and address', () => {
    const config = loadConfig(
      yamlFile(
        'devices:\n  - id: doorbell-uni\n    gen: gen2\n    name: Front door\n    address: 192.168.1.20\n',
      ),
      {},
    );
    expect(config.devices[0]).toMatchObject({ gen: 'gen2', name: 'Front door', address: '192.168.1.20' });
  });

  it('refuses to go on without a configuration file, saying how to give one', () => {
    const cwd = process.cwd();
    const empty = mkdtempSync(join(tmpdir(), 'doorbell-nofile-'));
    process.chdir(empty);
    try {
      expect(problemsOf(() => loadConfig(undefined, {}))).toEqual([
        `no configuration file: there is no ${DEFAULT_CONFIG_FILE} in ${process.cwd()}. Write one (README: Quick start) or name it with --config FILE`,
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('refuses a missing file that was asked for by name, in one line', () => {
    const file = join(dir, 'absent.yaml');
    expect(problemsOf(() => loadConfig(file, {}))).toEqual([
      `${file}: configuration file: no such file (ENOENT)`,
    ]);
    expect(() => loadConfig(file, {})).toThrow(/^[^\n]+$/);
  });

  it('requires a device when asked to (run, status, replay), at the devices key', () => {
    const file = yamlFile('mqtt:\n  base_topic: x\ndevices: []\n');
    expect(problemsOf(() => loadConfig(file, {}, { requireDevices: true }))).toEqual([
      `${file}:3:1 devices: at least one device is required, e.g. devices: [{ id: shellyuni-<MAC> }]`,
    ]);
    expect(problemsOf(() => loadConfig(yamlFile(''), {}, { requireDevices: true }))[0]).toMatch(
      /devices: at least one device is required/,
    );
  });
});

describe('loadConfig: contract examples', () => {
  const examples = EXAMPLE_TRACES_DIR;
  it('loads the mechanical CoIoT example', () => {
    const config = loadConfig(join(examples, 'example-mechanical-coiot.yaml'), {});
    expect(config.devices).toEqual([
      {
        id: 'shellyuni-98CDAC25ABCD',
        name: 'shellyuni-98CDAC25ABCD',
        input: 0,
        gen: 'gen1',
        chime: { mode: 'mechanical', settle_s: 1 },
      },
    ]);
  });

  it('loads the electronic dual-path example', () => {
    const config = loadConfig(join(examples, 'example-electronic-dual-path.yaml'), {});
    expect(config.devices[0]?.chime).toEqual({ mode: 'electronic', duration_s: 5, bounce_s: 0.3 });
    expect(config.devices[0]?.gen).toBe('gen1');
  });
});

describe('loadConfig: environment overrides', () => {
  it('applies the documented variables over the file', () => {
    const file = yamlFile('mqtt:\n  url: mqtt://file:1883\n  base_topic: fromfile\nlog:\n  level: debug\n');
    const config = loadConfig(file, {
      DOORBELL_AGENT_MQTT_URL: 'mqtts://env.example:8883',
      DOORBELL_AGENT_MQTT_USERNAME: 'agent',
      DOORBELL_AGENT_MQTT_PASSWORD: '1234',
      DOORBELL_AGENT_BASE_TOPIC: 'fromenv',
      DOORBELL_AGENT_STORE_PATH: '/var/lib/doorbell/state.sqlite',
      DOORBELL_AGENT_LOG_LEVEL: 'warn',
    });
    expect(config.mqtt.url).toBe('mqtts://env.example:8883');
    expect(config.mqtt.username).toBe('agent');
    expect(config.mqtt.password).toBe('1234');
    expect(config.mqtt.base_topic).toBe('fromenv');
    expect(config.store.path).toBe('/var/lib/doorbell/state.sqlite');
    expect(config.log.level).toBe('warn');
  });

  it('maps any DOORBELL_AGENT_<SECTION>_<KEY> with the key type', () => {
    const config = loadConfig(yamlFile(''), {
      DOORBELL_AGENT_EMBEDDED_BROKER_PORT: '1884',
      DOORBELL_AGENT_HOMEASSISTANT_ENABLED: 'false',
      DOORBELL_AGENT_COIOT_PEERS: '10.0.0.2, 10.0.0.3',
      DOORBELL_AGENT_SHELLY_MQTT_GEN2_PREFIXES: '[home/uni1, home/uni2]',
      DOORBELL_AGENT_MQTT_TLS_REJECT_UNAUTHORIZED: '0',
      DOORBELL_AGENT_DETECTOR_REORDER_WINDOW_S: '0.3',
    });
    expect(config.embedded_broker.port).toBe(1884);
    expect(config.homeassistant.enabled).toBe(false);
    expect(config.coiot.peers).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(config.shelly_mqtt.gen2_prefixes).toEqual(['home/uni1', 'home/uni2']);
    expect(config.mqtt.tls.reject_unauthorized).toBe(false);
    expect(config.detector.reorder_window_s).toBe(0.3);
  });

  it('prefers the full name over the alias, and an empty value clears a nullable key', () => {
    const config = loadConfig(yamlFile('mqtt:\n  url: mqtt://file:1883\n'), {
      DOORBELL_AGENT_BASE_TOPIC: 'alias',
      DOORBELL_AGENT_MQTT_BASE_TOPIC: 'full',
      DOORBELL_AGENT_MQTT_URL: '',
    });
    expect(config.mqtt.base_topic).toBe('full');
    expect(config.mqtt.url).toBeNull();
  });

  it('names the variable when an overridden value is invalid', () => {
    const problems = problemsOf(() =>
      loadConfig(yamlFile(''), { DOORBELL_AGENT_COIOT_PORT: 'udp', DOORBELL_AGENT_LOG_FORMAT: 'xml' }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^\$DOORBELL_AGENT_COIOT_PORT coiot\.port: .*expected number/);
    expect(problems[1]).toMatch(/^\$DOORBELL_AGENT_LOG_FORMAT log\.format: /);
  });
});

describe('loadConfig: password_file', () => {
  it('reads the password from the file without its trailing newline', () => {
    const secret = join(dir, 'secret');
    writeFileSync(secret, 's3cr3t-pw\n');
    const config = loadConfig(yamlFile(`mqtt:\n  password_file: ${secret}\n`), {});
    expect(config.mqtt.password).toBe('s3cr3t-pw');
  });

  it('reports an unreadable password file at its line', () => {
    const file = yamlFile(`mqtt:\n  username: u\n  password_file: ${join(dir, 'nope')}\n`);
    expect(problemsOf(() => loadConfig(file, {}))).toEqual([
      `${file}:3:3 mqtt.password_file: cannot read the password file (ENOENT)`,
    ]);
  });
});
