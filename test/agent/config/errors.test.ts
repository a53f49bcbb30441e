import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../agent/config/load.ts';
import { ConfigError } from '../../../agent/core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'doorbell-config-errors-'));
let n = 0;
function yamlFile(text: string): string {
  const file = join(dir, `config-${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

function problemsOf(file: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig(file, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe(file);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration errors name file, line, column and key', () => {
  it('points at the key whose value is wrong', () => {
    const file = yamlFile('mqtt:\n  base_topic: doorbell\n  url: ftp://broker\n');
    expect(problemsOf(file)).toEqual([
      `${file}:3:3 mqtt.url: must be an MQTT URL such as mqtt://host:1883 or mqtts://host:8883`,
    ]);
  });

  it('reports a misspelt key as unknown, at the misspelt key', () => {
    const file = yamlFile('homeassistant:\n  enabled: true\n  discovery_prefx: ha\n');
    expect(problemsOf(file)).toEqual([
      `${file}:3:3 homeassistant.discovery_prefx: unknown key (did you mean discovery_prefix?)`,
    ]);
  });

  it('suggests the nearest key inside list items and chime settings, and nothing for a stranger', () => {
    const file = yamlFile(
      'devices:\n  - id: shellyuni-98CDAC25ABCD\n    nmae: Front\n    chime: { mode: electronic, duraton_s: 5 }\nweather: sunny\n',
    );
    expect(problemsOf(file)).toEqual([
      `${file}:3:5 devices.0.nmae: unknown key (did you mean name?)`,
      `${file}:4:5 devices.0.chime.duration_s: required (number)`,
      `${file}:4:32 devices.0.chime.duraton_s: unknown key (did you mean duration_s?)`,
      `${file}:5:1 weather: unknown key`,
    ]);
  });

  it('reports a missing required key at its parent', () => {
    const file = yamlFile('devices:\n  - id: shellyuni-98CDAC25ABCD\n    chime:\n      mode: electronic\n');
    expect(problemsOf(file)).toEqual([`${file}:3:5 devices.0.chime.duration_s: required (number)`]);
  });

  it('lists every problem at once, in file order', () => {
    const file = yamlFile(
      [
        'mqtt:',
        '  url: 42',
        'coiot:',
        '  port: 70000',
        '  interface: eth0',
        'log:',
        '  format: xml',
        'devices:',
        '  - id: shellyuni-98CDAC25ABCD',
        '    chime: { mode: electronic, duration_s: 90 }',
        '  - id: "bad/id"',
        '    gen: gen1',
        '    chime: { mode: buzzer }',
        'colour: blue',
        '',
      ].join('\n'),
    );
    const problems = problemsOf(file);
    expect(problems.map((p) => p.split(': ')[0])).toEqual([
      `${file}:2:3 mqtt.url`,
      `${file}:4:3 coiot.port`,
      `${file}:5:3 coiot.interface`,
      `${file}:7:3 log.format`,
      `${file}:10:32 devices.0.chime.duration_s`,
      `${file}:11:5 devices.1.id`,
      `${file}:13:14 devices.1.chime.mode`,
      `${file}:14:1 colour`,
    ]);
    expect(problems[6]).toBe(`${file}:13:14 devices.1.chime.mode: must be one of mechanical, electronic`);
  });

  it('refuses the same (id, input) twice, at the second entry', () => {
    const file = yamlFile(
      'devices:\n  - id: shellyuni-98CDAC25ABCD\n  - id: shellyuni-98CDAC25ABCD\n    input: 1\n  - id: shellyuni-98CDAC25ABCD\n    input: 1\n',
    );
    expect(problemsOf(file)).toEqual([
      `${file}:6:5 devices.2.input: device shellyuni-98CDAC25ABCD input 1 is already configured at devices.1`,
    ]);
  });

  it('says a key of the other chime mode belongs there, not "did you mean" the same key', () => {
    const file = yamlFile(
      'devices:\n  - id: shellyuni-98CDAC25ABCD\n    chime: { mode: mechanical, duration_s: 5 }\n',
    );
    expect(problemsOf(file)).toEqual([
      `${file}:3:32 devices.0.chime.duration_s: not a key of this mode (it belongs to the other one)`,
    ]);
  });

  it('refuses an id in the case no Shelly reports (it would never be heard), with the id to write', () => {
    const file = yamlFile(
      [
        'devices:',
        '  - id: shellyuni-98cdac25abcd', // Gen1: the MAC in upper case, in CoIoT and on MQTT
        '  - id: shellyplusuni-E465B847CA44', // Plus: in lower case
        '  - id: shelly1-b929cc',
        '  - id: shellyuni-98CDAC25ABCD', // as reported: fine
        '  - id: shellyplusuni-e465b847ca44',
        '  - { id: front-door, gen: gen1 }', // a custom MQTT id: not a MAC, left alone
        '',
      ].join('\n'),
    );
    expect(problemsOf(file)).toEqual([
      `${file}:2:5 devices.0.id: a Gen1 Shelly reports its MAC in upper case, so this id would never be heard: write shellyuni-98CDAC25ABCD`,
      `${file}:3:5 devices.1.id: a Plus or Pro Shelly reports its MAC in lower case, so this id would never be heard: write shellyplusuni-e465b847ca44`,
      `${file}:4:5 devices.2.id: a Gen1 Shelly reports its MAC in upper case, so this id would never be heard: write shelly1-B929CC`,
    ]);
  });

  it("refuses the metrics server on the embedded broker's port, unless they listen on different addresses", () => {
    const device = 'devices: [{ id: shellyuni-98CDAC25ABCD }]\n';
    const clash = yamlFile(`metrics: { enabled: true, port: 1883 }\n${device}`);
    expect(problemsOf(clash)).toEqual([
      `${clash}:1:27 metrics.port: the embedded broker listens on 1883 too (embedded_broker.port): give one of them another port`,
    ]);
    const apart = yamlFile(
      `metrics: { enabled: true, host: 127.0.0.1, port: 1883 }\nembedded_broker: { host: 192.168.1.5 }\n${device}`,
    );
    expect(loadConfig(apart, {}).metrics.port).toBe(1883);
    const external = yamlFile(
      `mqtt: { url: "mqtt://broker:1883" }\nmetrics: { enabled: true, port: 1883 }\n${device}`,
    );
    expect(loadConfig(external, {}).metrics.port).toBe(1883);
  });

  it('asks for gen when the id does not tell it', () => {
    const file = yamlFile('devices:\n  - id: front-door\n');
    expect(problemsOf(file)).toEqual([
      `${file}:2:5 devices.0.gen: cannot be inferred from this id: set gen1 or gen2`,
    ]);
  });

  it('refuses both password and password_file', () => {
    const file = yamlFile('mqtt:\n  password: a\n  password_file: /run/secrets/mqtt\n');
    expect(problemsOf(file)).toEqual([
      `${file}:3:3 mqtt.password_file: set either mqtt.password or mqtt.password_file, not both`,
    ]);
  });

  it('reports the top level when the file is not a mapping', () => {
    const file = yamlFile('- just\n- a list\n');
    expect(problemsOf(file)).toEqual([
      `${file}:1:1 (top level): Invalid input: expected object, received array`,
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const file = yamlFile('mqtt:\n  url: mqtt://a\n  url: mqtt://b\nlog: [unclosed\n');
    const problems = problemsOf(file);
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems[0]).toMatch(new RegExp(`^${file}:3:3 \\(yaml\\): Map keys must be unique`));
    expect(problems.slice(1).every((p) => p.startsWith(`${file}:`) && / \(yaml\): /.test(p))).toBe(true);
  });
});

describe('configuration errors never show secrets', () => {
  it('does not echo a wrongly typed password, nor a broken line holding one', () => {
    const secret = 'hunter2-very-secret';
    const bad = yamlFile(`mqtt:\n  password: [${secret}]\n`);
    const syntax = yamlFile(`mqtt:\n  password: "${secret}\n  url: x\n`);
    for (const file of [bad, syntax]) {
      try {
        loadConfig(file, {});
        throw new Error('expected a ConfigError');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).not.toContain(secret);
      }
    }
  });

  it('does not echo a password given in the environment', () => {
    const secret = 'env-secret-value';
    try {
      loadConfig(yamlFile(''), { DOORBELL_AGENT_MQTT_PASSWORD: secret, DOORBELL_AGENT_MQTT_URL: secret });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        '$DOORBELL_AGENT_MQTT_URL mqtt.url: must be an MQTT URL such as mqtt://host:1883 or mqtts://host:8883',
      ]);
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
