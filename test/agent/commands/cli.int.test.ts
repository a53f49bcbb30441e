import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { sharedBroker } from '../../helpers/mosquitto.ts';
import { EXAMPLE_TRACES_DIR } from '../../helpers/paths.ts';
import { freeUdpPort } from '../../helpers/udp.ts';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'doorbell-agent.js');

function runCli(args: string[], options: { killAfter?: (stderr: string) => boolean } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let killed = false;
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!killed && options.killAfter?.(stderr)) {
      killed = true;
      child.kill('SIGTERM');
    }
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('the doorbell-agent command', () => {
  let broker: { url: string; stop(): Promise<void> };
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  beforeAll(async () => {
    broker = await sharedBroker();
  });
  afterAll(async () => broker?.stop());

  it('explains itself with --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/run \[options\]/);
    expect(stdout).toMatch(/replay \[options\] <trace>/);
  });

  it('exits quietly when the reader of its output goes away (--help | head -1)', async () => {
    const child = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the help is written: the write fails with EPIPE
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('replays a contract example and prints the contract events on stdout', async () => {
    const examples = EXAMPLE_TRACES_DIR;
    const { code, stdout } = await runCli([
      'replay',
      '--config',
      join(examples, 'example-mechanical-coiot.yaml'),
      join(examples, 'example-mechanical-coiot.jsonl'),
    ]);
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => [e.type, e.t])).toEqual([
      ['ring', 20.292],
      ['ring', 55.132],
      ['ring', 90.443],
    ]);
  });

  it('refuses a bad config with the file, line and key, and exit code 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'devices:\n  - id: shellyuni-98CDAC25ABCD\n    chime: { mode: electronic }\n');
    const { code, stderr } = await runCli(['run', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:3`);
    expect(stderr).toMatch(/devices\.0\.chime\.duration_s/);
  });

  it('runs, goes online, and on SIGTERM stops cleanly (offline published, exit code 0)', async () => {
    const base = `cli-${process.pid}-${Date.now().toString(36)}`;
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      stringify({
        mqtt: { url: broker.url, base_topic: base },
        homeassistant: { discovery_prefix: `ha-${base}` },
        coiot: { listen: '127.0.0.1', port: await freeUdpPort(), multicast: false },
        store: { path: join(dir, 'state.sqlite') },
        devices: [{ id: 'shellyuni-98CDAC25ABCD' }],
      }),
    );
    const watcher = await connectAsync(broker.url);
    const statuses: string[] = [];
    watcher.on('message', (_t, p) => statuses.push(p.toString()));
    await watcher.subscribeAsync(`${base}/agent/status`);
    const { code, stderr } = await runCli(['run', '--config', file], {
      killAfter: (err) => err.includes('"running"'),
    });
    // The retained `offline` may reach this subscriber a little after the process exited.
    for (let waited = 0; !statuses.includes('offline') && waited < 5_000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await watcher.endAsync();
    expect(code).toBe(0);
    expect(stderr).toMatch(/"msg":"stopping","signal":"SIGTERM"/);
    // The bin's V8 flags for `run` (bin/v8-flags.js) are ones this Node's V8 knows: it prints an error for any other.
    expect(stderr).not.toMatch(/unrecognized flag/i);
    expect(statuses).toEqual(['online', 'offline']);
  });
});
