import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ManagedUni,
  type ManagedUniOptions,
  startManagedUni,
} from '../../../simulator/emulator/managed-uni.ts';
import { factorySettings, type UniSettings } from '../../../simulator/emulator/persisted-settings.ts';
import { type CliResult, runCli } from '../../helpers/cli.ts';
import { freePort } from '../../helpers/mosquitto.ts';

/** A MAC (12 hex digits) of its own per device of this file (n < 256) and per test process. */
const mac = (n: number) =>
  `AABB${(process.pid & 0xffff).toString(16).padStart(4, '0')}88${n.toString(16).padStart(2, '0')}`.toUpperCase();
const withPassword = (): UniSettings => ({
  ...factorySettings(),
  login: { enabled: true, username: 'admin', password: 'secret' },
});

describe('doorbell-agent setup (the CLI as a process, an emulated Uni on loopback)', () => {
  const unis: ManagedUni[] = [];
  afterEach(async () => {
    for (const uni of unis.splice(0)) await uni.stop();
  });
  const start = async (options: Partial<ManagedUniOptions> & { n: number }) => {
    const { n, ...rest } = options;
    const uni = await startManagedUni({ gen: 'gen1', mac: mac(n), http: {}, bootS: 0.3, ...rest });
    unis.push(uni);
    let reboots = 0;
    uni.device.on((change) => {
      if (change.kind === 'down') reboots++;
    });
    return { uni, target: `127.0.0.1:${uni.httpPort}`, reboots: () => reboots };
  };
  const dir = () => mkdtempSync(join(tmpdir(), 'doorbell-setup-'));
  /** Exit code `code`, and the message in one line of stderr. */
  const failsWith = (result: CliResult, code: number, message: RegExp) => {
    expect([result.code, result.stderr.trim()]).toEqual([code, expect.stringMatching(message)]);
    expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
  };

  it('every failure is one line with its own exit code, and changes nothing on the device', async () => {
    const cwd = dir();
    const secured = await start({ n: 1, settings: withPassword() });
    const cases: Array<[string[], number, RegExp]> = [
      [[secured.target, '--yes'], 4, /has a password: give --username and --password/],
      [[secured.target, '--password', 'wrong', '--yes'], 4, /refused user admin and that password/],
      [[`127.0.0.1:${await freePort()}`, '--yes'], 3, /connection refused/],
      [['not an address!', '--yes'], 2, /<host\[:port\]>: expected the device's address/],
      [[secured.target, '--password', 'secret', '--chime', 'electronic:0'], 2, /--chime/],
      [
        [secured.target, '--password', 'secret', '--mqtt', 'mqtts://broker:8883', '--yes'],
        2,
        /cannot use TLS/,
      ],
      [[secured.target, '--password', 'secret'], 2, /not a terminal to confirm on: give --yes/],
      // The config could not be written after the device changed: it would send to an agent that ignores it.
      [
        [secured.target, '--password', 'secret', '--config', join(cwd, 'absent', 'x.yaml'), '--yes'],
        2,
        /--config .*absent\/x\.yaml: its folder .*absent does not exist/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(['setup', ...args], { cwd });
      expect(result.code, args.join(' ')).toBe(code);
      // One line (commander adds a hint to its own usage errors).
      expect(result.stderr.trim().split('\n')[0], args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n').length, args.join(' ')).toBeLessThanOrEqual(code === 2 ? 2 : 1);
      expect(result.stderr).toMatch(message);
    }
    expect(secured.uni.settings.saved).toEqual(withPassword());
    expect(secured.uni.device.cfgChanged).toBe(0);
    expect(secured.reboots()).toBe(0);

    const shelly1 = await start({ n: 2, identity: { model: 'SHSW-1' } });
    const old = await start({ n: 3, identity: { version: '1.9.4' } });
    const refusing = await start({ n: 4, refuse: ['coiot_peer'] });
    const notUni = await runCli(['setup', shelly1.target, '--yes'], { cwd });
    expect([notUni.code, notUni.stderr]).toEqual([
      5,
      expect.stringMatching(/is a SHSW-1 \(shelly1-\w+\), not a Shelly Uni/),
    ]);
    const tooOld = await runCli(['setup', old.target, '--yes'], { cwd });
    expect([tooOld.code, tooOld.stderr]).toEqual([
      6,
      expect.stringMatching(/firmware 1\.9\.4, older than 1\.10\.0/),
    ]);
    const refused = await runCli(['setup', refusing.target, '--coiot-peer', '127.0.0.1', '--yes'], { cwd });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/HTTP 400 \(Bad coiot_peer 127\.0\.0\.1:5683\)/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    for (const device of [shelly1, old]) expect(device.uni.settings.saved).toEqual(factorySettings());

    // Accepted (HTTP 200) but not kept: the read-back names the setting, what was written and what it reads.
    const forgetful = await start({ n: 8, forget: ['btn_type'] });
    const notKept = await runCli(['setup', forgetful.target, '--yes'], { cwd });
    failsWith(
      notKept,
      7,
      /shellyuni-\w+: input 0 mode \(btn_type\): wrote detached, the device accepted it but reads back toggle$/,
    );
    expect(forgetful.uni.settings.saved).toEqual(factorySettings());
    expect(forgetful.reboots()).toBe(0);
    // The first change that was not kept is named, whatever was kept before it; no reboot for what was kept.
    const peerless = await start({ n: 9, forget: ['coiot_peer'] });
    const peerLost = await runCli(['setup', peerless.target, '--coiot-peer', '127.0.0.1', '--yes'], { cwd });
    failsWith(
      peerLost,
      7,
      /CoIoT: wrote 127\.0\.0\.1:5683, the device accepted it but reads back multicast$/,
    );
    expect(peerless.uni.settings.saved).toEqual({ ...factorySettings(), btnTypes: ['detached', 'toggle'] });
    expect(peerless.reboots()).toBe(0);
    expect(() => readFileSync(join(cwd, 'doorbell-agent.yaml'))).toThrow(/ENOENT/);
  });

  it('Plus: every failure is one line with its own exit code, and changes nothing on the device', async () => {
    const cwd = dir();
    const plus = (n: number, options: Partial<ManagedUniOptions> = {}) =>
      start({ n, gen: 'plus', ...options });
    const unchanged = (device: Awaited<ReturnType<typeof plus>>, settings: UniSettings) => {
      expect(device.uni.settings.saved).toEqual(settings);
      expect(device.reboots()).toBe(0);
    };

    const secured = await plus(10, { settings: withPassword() });
    failsWith(
      await runCli(['setup', secured.target, '--yes'], { cwd }),
      4,
      /Shelly\.GetConfig: the device has a password: give --password/,
    );
    failsWith(
      await runCli(['setup', secured.target, '--password', 'wrong', '--yes'], { cwd }),
      4,
      /Shelly\.GetConfig: the device refused the password \(user admin\)/,
    );
    unchanged(secured, withPassword());

    const plus1 = await plus(11, { identity: { model: 'SNSW-001X16EU' } });
    failsWith(
      await runCli(['setup', plus1.target, '--yes'], { cwd }),
      5,
      /is a SNSW-001X16EU \(shellyplus1-[0-9a-f]{12}\), not a Shelly Uni/,
    );
    unchanged(plus1, factorySettings());

    const old = await plus(12, { identity: { version: '0.14.4' } });
    failsWith(
      await runCli(['setup', old.target, '--yes'], { cwd }),
      6,
      /firmware 0\.14\.4, older than 1\.0\.0 \(the first stable Gen2 API/,
    );
    unchanged(old, factorySettings());

    const refusing = await plus(13, { refuse: ['input'] });
    failsWith(
      await runCli(['setup', refusing.target, '--yes'], { cwd }),
      7,
      /Input\.SetConfig: -103 config: refused$/,
    );
    unchanged(refusing, factorySettings());

    const forgetful = await plus(14, { forget: ['input'] });
    failsWith(
      await runCli(['setup', forgetful.target, '--yes'], { cwd }),
      7,
      /shellyplusuni-\w+: input 0 type: wrote button, the device accepted it but reads back switch$/,
    );
    unchanged(forgetful, factorySettings());

    // MQTT.SetConfig answers restart_required: the read-back fails before any reboot.
    const buttons: UniSettings = { ...factorySettings(), inputTypes: ['button', 'switch'] };
    const mqttLost = await plus(15, { settings: buttons, forget: ['mqtt'] });
    failsWith(
      await runCli(['setup', mqttLost.target, '--mqtt', 'mqtt://127.0.0.1:1883', '--yes'], { cwd }),
      7,
      /MQTT: wrote 127\.0\.0\.1:1883, the device accepted it but reads back off$/,
    );
    unchanged(mqttLost, buttons);
    expect(() => readFileSync(join(cwd, 'doorbell-agent.yaml'))).toThrow(/ENOENT/);
  });

  it('--dry-run shows the plan and the coiot_peer trap, and changes neither the device nor the config file', async () => {
    const cwd = dir();
    const { uni, target, reboots } = await start({ n: 5, settings: withPassword() });
    const result = await runCli(
      ['setup', target, '--password', 'secret', '--coiot-peer', '192.168.1.5', '--dry-run'],
      { cwd },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/input 0 mode \(btn_type\) +toggle → detached/);
    expect(result.stdout).toMatch(/CoIoT +multicast → 192\.168\.1\.5:5683/);
    expect(result.stdout).toMatch(/one coiot_peer\. Pointing it at the agent takes CoIoT away/);
    expect(result.stdout).toMatch(/dry run: nothing changed on the device, nor in doorbell-agent\.yaml/);
    expect(uni.settings.saved).toEqual(withPassword());
    expect(reboots()).toBe(0);
    expect(() => readFileSync(join(cwd, 'doorbell-agent.yaml'))).toThrow(/ENOENT/);
  });

  it('Gen1: applies, reads back, reboots, and adds the device to a config file keeping its comments', async () => {
    const cwd = dir();
    const config = join(cwd, 'agent.yaml');
    writeFileSync(
      config,
      '# my doorbells\ndevices:\n  - id: shellyuni-112233445566  # the back door\n    input: 1\nmqtt:\n  url: mqtt://127.0.0.1:1883 # my broker\n',
    );
    const { uni, target, reboots } = await start({ n: 6, settings: withPassword() });
    const result = await runCli(
      [
        'setup',
        target,
        '--password',
        'secret',
        '--coiot-peer',
        '127.0.0.1:5699',
        '--forward',
        '127.0.0.1:5700',
        '--chime',
        'electronic:3',
        '--name',
        'Front door',
        '--config',
        config,
        '--yes',
      ],
      { cwd },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/read back: every change kept/);
    expect(result.stdout).toMatch(/back after its reboot, every change kept/);
    expect(reboots()).toBe(1);
    expect(uni.settings.running).toMatchObject({
      name: 'Front door',
      btnTypes: ['detached', 'toggle'],
      coiot: { enabled: true, peer: '127.0.0.1:5699' },
    });
    const text = readFileSync(config, 'utf8');
    expect(text).toMatch(/^# my doorbells$/m);
    expect(text).toMatch(/# the back door/);
    expect(text).toMatch(/# my broker/);
    expect(parse(text)).toEqual({
      devices: [
        { id: 'shellyuni-112233445566', input: 1 },
        {
          id: uni.id,
          name: 'Front door',
          input: 0,
          address: target,
          chime: { mode: 'electronic', duration_s: 3 },
        },
      ],
      mqtt: { url: 'mqtt://127.0.0.1:1883' },
      coiot: { forward: ['127.0.0.1:5700'] },
    });

    // Again: nothing to change on the device, the entry updated in place.
    const again = await runCli(['setup', target, '--password', 'secret', '--config', config, '--yes'], {
      cwd,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to change on the device/);
    expect(parse(readFileSync(config, 'utf8')).devices[1].chime).toEqual({ mode: 'mechanical' });
    expect(reboots()).toBe(1);
  });

  it('Plus: digest auth, Input.SetConfig and MQTT.SetConfig, a reboot because the device asks for one', async () => {
    const cwd = dir();
    const { uni, target, reboots } = await start({ n: 7, gen: 'plus', settings: withPassword() });
    const denied = await runCli(['setup', target, '--password', 'nope', '--yes'], { cwd });
    expect([denied.code, denied.stderr]).toEqual([
      4,
      expect.stringMatching(/refused the password \(user admin\)/),
    ]);
    const result = await runCli(
      ['setup', target, '--password', 'secret', '--mqtt', 'mqtt://dev:pw@127.0.0.1:1883', '--yes'],
      { cwd },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/input 0 type +switch → button/);
    expect(result.stdout).toMatch(/MQTT +off → 127\.0\.0\.1:1883 as dev/);
    expect(reboots()).toBe(1);
    expect(uni.settings.running.mqtt).toEqual({
      enabled: true,
      server: '127.0.0.1:1883',
      user: 'dev',
      pass: 'pw',
    });
    expect(parse(readFileSync(join(cwd, 'doorbell-agent.yaml'), 'utf8')).devices).toEqual([
      { id: uni.id, name: uni.id, input: 0, address: target, chime: { mode: 'mechanical' } },
    ]);
  });
});
