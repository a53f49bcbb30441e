import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliResult, runCli, STACK_LINE } from '../../helpers/cli.ts';

/**
 * Every mistake a user can make gets one line (or a short list) naming the file, the key or the port and what to
 * do, and the exit code its command documents; never a stack trace. Each case is a real process.
 */
const dir = mkdtempSync(join(tmpdir(), 'user-errors-'));
const DEVICE = { id: 'shellyuni-98CDAC25ABCD' };
let n = 0;

function configFile(config: Record<string, unknown>): string {
  const file = join(dir, `config-${n++}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** Lines of stderr that are not JSON log lines. */
function errorLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
}

function expectOneLine(result: CliResult, ...patterns: RegExp[]): void {
  expect(result.stderr).not.toMatch(STACK_LINE);
  const lines = errorLines(result);
  expect(lines, result.stderr).toHaveLength(1);
  for (const pattern of patterns) expect(lines[0]).toMatch(pattern);
}

describe('run: mistakes in the configuration exit 2 with one clear line', () => {
  it('refuses coiot.listen written as host:port, naming coiot.port', async () => {
    const file = configFile({ coiot: { listen: '127.0.0.1:5683' }, devices: [DEVICE] });
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).toContain(`${file}:2:`);
    expect(result.stderr).toMatch(
      /coiot\.listen: an address only, without a port: write 127\.0\.0\.1 here and the port in coiot\.port/,
    );
    expect(result.stderr).not.toMatch(/ENOTFOUND|getaddrinfo/);
  });

  it('says there is no configuration file when run finds none, instead of running with no devices', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-config-'));
    const result = await runCli(['run'], { cwd: empty });
    expect(result.code).toBe(2);
    expectOneLine(result, /no configuration file/, /doorbell-agent\.yaml/, /--config/);
  });

  it('says a named configuration file does not exist', async () => {
    const result = await runCli(['run', '--config', join(dir, 'absent.yaml')]);
    expect(result.code).toBe(2);
    expectOneLine(result, /absent\.yaml: configuration file: no such file/);
  });

  it('refuses devices: [] (devices are required)', async () => {
    const file = configFile({ devices: [] });
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).toMatch(/devices: at least one device is required/);
    expect(result.stderr).not.toMatch(/"level"/);
  });

  it('refuses an unknown --log-level as bad arguments', async () => {
    const result = await runCli(['run', '--log-level', 'loud']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--log-level/);
  });
});

describe('run: a port already in use names the setting that owns it, exit 1', () => {
  const held: Array<() => Promise<void>> = [];
  let udpPort: number;
  let tcpPort: number;
  beforeAll(async () => {
    // No address reuse: the agent's own SO_REUSEADDR socket cannot share the port with this one.
    const udp = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
    held.push(() => new Promise<void>((resolve) => udp.close(() => resolve())));
    const tcp: Server = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    tcpPort = (tcp.address() as { port: number }).port;
    held.push(() => new Promise<void>((resolve) => tcp.close(() => resolve())));
  });
  afterAll(async () => {
    for (const release of held) await release();
  });

  const common = () => ({
    store: { path: join(dir, `store-${n}.sqlite`) },
    shelly_mqtt: { enabled: false },
    homeassistant: { enabled: false },
    devices: [DEVICE],
  });

  it('CoIoT (UDP): coiot.port', async () => {
    const file = configFile({
      ...common(),
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      coiot: { listen: '127.0.0.1', port: udpPort, multicast: false },
    });
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(1);
    expectOneLine(
      result,
      /^doorbell-agent: coiot\.port: port \d+ on 127\.0\.0\.1 is already in use/,
      /set coiot\.port to a free port/,
      /EADDRINUSE/,
    );
  });

  it('metrics (HTTP): metrics.port', async () => {
    const file = configFile({
      ...common(),
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      coiot: { enabled: false },
      metrics: { enabled: true, host: '127.0.0.1', port: tcpPort },
    });
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(1);
    expectOneLine(
      result,
      /^doorbell-agent: metrics\.port: port \d+ on 127\.0\.0\.1 is already in use/,
      /set metrics\.port/,
    );
  });

  it('embedded broker (MQTT): embedded_broker.port, or use that broker through mqtt.url', async () => {
    const file = configFile({
      ...common(),
      coiot: { enabled: false },
      embedded_broker: { host: '127.0.0.1', port: tcpPort },
    });
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(1);
    expectOneLine(
      result,
      /^doorbell-agent: embedded_broker\.port: port \d+ on 127\.0\.0\.1 is already in use/,
      /set mqtt\.url/,
    );
  });
});

describe('wiring check: 3 when it cannot decide', () => {
  it('says the installation file does not exist, exit 3 (not 1, the code of WARN)', async () => {
    const result = await runCli(['wiring', 'check', 'nope.yaml'], { cwd: dir });
    expect(result.code).toBe(3);
    expectOneLine(result, /nope\.yaml: no such installation file/);
  });

  it('calls a folder a folder and a device a device, exit 3', async () => {
    const folder = await runCli(['wiring', 'check', dir]);
    expect(folder.code).toBe(3);
    expectOneLine(folder, /: a folder, not a file: expected the installation file/);
    const device = await runCli(['wiring', 'check', '/dev/null']);
    expect(device.code).toBe(3);
    expectOneLine(device, /\/dev\/null: not a regular file \(a pipe or a device\)/);
  });

  it('says a --parts file does not exist, exit 3', async () => {
    const result = await runCli(
      ['wiring', 'check', 'circuits/examples/seed-final-12vac.yaml', '--parts', join(dir, 'nope-parts.yaml')],
      {
        cwd: join(import.meta.dirname, '..', '..', '..'),
      },
    );
    expect(result.code).toBe(3);
    expectOneLine(result, /nope-parts\.yaml: no such parts file \(--parts\)/);
  });

  it('names a --parts file that is not YAML, exit 3', async () => {
    const parts = join(dir, 'broken-parts.yaml');
    writeFileSync(parts, 'relays: [\n');
    const result = await runCli(
      ['wiring', 'check', 'circuits/examples/seed-final-12vac.yaml', '--parts', parts],
      {
        cwd: join(import.meta.dirname, '..', '..', '..'),
      },
    );
    expect(result.code).toBe(3);
    expectOneLine(result, /--parts .*broken-parts\.yaml: not a parts file/);
  });

  it.each([[['wiring', 'check']], [['wiring', 'check', 'a.yaml', '--bogus']], [['wiring']]])(
    'exits 3 on commander usage errors: %j',
    async (args) => {
      const result = await runCli(args, { cwd: dir });
      expect(result.code).toBe(3);
      expect(result.stderr).not.toMatch(STACK_LINE);
    },
  );
});

describe('the other commands', () => {
  it('status: no configuration file, exit 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-config-'));
    const result = await runCli(['status'], { cwd: empty });
    expect(result.code).toBe(2);
    expectOneLine(result, /no configuration file/);
  });

  it('replay: a missing trace file, exit 2', async () => {
    const file = configFile({ devices: [DEVICE] });
    const result = await runCli(['replay', '--config', file, join(dir, 'nope.jsonl')]);
    expect(result.code).toBe(2);
    expectOneLine(result, /nope\.jsonl: no such trace file/);
  });

  it('replay: a file with not one trace line (the config given twice), exit 2 after saying what it skipped', async () => {
    const file = configFile({ devices: [DEVICE] });
    const result = await runCli(['replay', '--config', file, file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 1: not valid JSON; skipped/);
    expect(result.stderr).toMatch(/: not one line is a trace line/);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('replay: a folder given as the trace, exit 2', async () => {
    const file = configFile({ devices: [DEVICE] });
    const result = await runCli(['replay', '--config', file, dir]);
    expect(result.code).toBe(2);
    expectOneLine(result, /: a folder, not a trace file/);
  });

  it('replay: a line of 3 MB among good ones is reported and skipped, and the good ones replay', async () => {
    const file = configFile({ devices: [DEVICE] });
    const example = readFileSync('examples/traces/example-mechanical-coiot.jsonl', 'utf8');
    const trace = join(dir, 'overlong.jsonl');
    writeFileSync(trace, `${'x'.repeat(3_000_000)}\n${example}`);
    const result = await runCli(['replay', '--config', file, trace]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).toMatch(/overlong\.jsonl: line 1: 3000000 bytes, longer than any trace line/);
    const alone = await runCli([
      'replay',
      '--config',
      file,
      'examples/traces/example-mechanical-coiot.jsonl',
    ]);
    expect(result.stdout).toBe(alone.stdout);
    expect(alone.stdout).toMatch(/"ring"/);
  });

  it('a YAML alias bomb in the configuration is a configuration error, exit 2', async () => {
    const aliases = Array.from(
      { length: 9 },
      (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`)}]`,
    );
    const file = join(dir, 'bomb.yaml');
    writeFileSync(file, ['a0: &a0 [x, x]', ...aliases, `devices: [{ id: ${DEVICE.id} }]`].join('\n'));
    const result = await runCli([
      'replay',
      '--config',
      file,
      'examples/traces/example-mechanical-coiot.jsonl',
    ]);
    expect(result.code).toBe(2);
    expectOneLine(result, /bomb\.yaml: \(yaml\) Excessive alias count/);
  });

  /**
   * A file the command would write at the end, in a folder that does not exist: said at once, before the work (one
   * line: discover did not start listening, demo printed no press, wiring check no report).
   */
  it.each([
    [
      ['discover', '--seconds', '30', '--port', '15683', '--write-config'],
      /--write-config .+: its folder .+ does not exist/,
    ],
    [['demo', '--presses', '1', '--no-circuit', '--trace'], /--trace .+: its folder .+ does not exist/],
    [['emulate', '--coiot', 'off', '--pid-file'], /--pid-file .+: its folder .+ does not exist/],
    [
      ['wiring', 'check', 'circuits/examples/seed-final-12vac.yaml', '--plot'],
      /--plot .+: its folder .+ does not exist/,
    ],
  ])(
    '%s <a file in a missing folder>: one line and its usage exit code, before the work',
    async (args, message) => {
      const result = await runCli([...args, join(dir, 'absent', 'out.file')]);
      expect(result.code).toBe(args[0] === 'wiring' ? 3 : 2);
      expectOneLine(result, message);
      expect(result.stdout).toBe('');
    },
  );

  it('wiring check --netlist naming a file, not a folder: exit 3 before the sweep', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const result = await runCli([
      'wiring',
      'check',
      'circuits/examples/seed-final-12vac.yaml',
      '--netlist',
      file,
    ]);
    expect(result.code).toBe(3);
    expectOneLine(result, /--netlist .+a-file: a file, not a folder/);
    expect(result.stdout).toBe('');
  });

  it.each(['emulate', 'discover'])('%s --mqtt that is not a broker URL: exit 2', async (command) => {
    for (const url of ['notaurl', 'http://broker:1883']) {
      const result = await runCli([command, '--mqtt', url]);
      expect(result.code, url).toBe(2);
      expect(result.stderr).toMatch(/--mqtt <url>.+is invalid\. a broker URL such as mqtt:\/\//);
      expect(result.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('emulate --gen plus with nowhere to send (no --mqtt), or with --coiot: exit 2', async () => {
    const nowhere = await runCli(['emulate', '--gen', 'plus']);
    expect(nowhere.code).toBe(2);
    expectOneLine(nowhere, /--gen plus: a Plus Uni reports over MQTT only: give --mqtt URL/);
    const coiot = await runCli([
      'emulate',
      '--gen',
      'plus',
      '--coiot',
      '127.0.0.1:5683',
      '--mqtt',
      'mqtt://127.0.0.1:1',
    ]);
    expect(coiot.code).toBe(2);
    expectOneLine(coiot, /--coiot: a Plus Uni has no CoIoT/);
  });

  it.each(['demo', 'emulate', 'setup'])(
    '%s --help shows the --chime default as it is typed',
    async (command) => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/--chime <mode>[\s\S]*?\(default: mechanical\)/);
      expect(result.stdout).not.toMatch(/"mode"/);
    },
  );

  it('emulate: a bad --id, exit 2', async () => {
    const result = await runCli(['emulate', '--id', 'doorbell']);
    expect(result.code).toBe(2);
    expectOneLine(result, /--id: expected shellyuni-<12 hex digits/);
  });

  it('an unknown command, exit 2', async () => {
    const result = await runCli(['ring-now']);
    expect(result.code).toBe(2);
  });

  it.each(['run', 'replay', 'wiring check', 'status', 'demo', 'emulate'])(
    '%s --help states its exit codes',
    async (command) => {
      const result = await runCli([...command.split(' '), '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Exit codes:\n {2}0 {2}.+\n {2}1 {2}.+\n {2}2 {2}.+/);
      if (command === 'wiring check') expect(result.stdout).toMatch(/ {2}3 {2}could not decide/);
    },
  );
});
