import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCoiot } from '../../agent/protocol/coiot-packet.ts';
import { readG } from '../../agent/protocol/coiot-status.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'doorbell-agent.js');

/** Runs the real CLI; `whileRunning` may act on the process (signals) while it runs. */
function runCli(
  args: string[],
  whileRunning?: (stdout: () => string, kill: (s: NodeJS.Signals) => void) => void,
) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  whileRunning?.(
    () => stdout,
    (signal) => child.kill(signal),
  );
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('demo and emulate commands (real processes)', () => {
  it('demo: presses, rings as they are published, a summary, exit 0 when every press rang', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--presses', '2', '--no-circuit', '--seed', '3']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.match(/^ring +\d+ +shellyuni-\w+#0 +via (coiot|mqtt)/gm)).toHaveLength(2);
    expect(stdout).toMatch(/^presses +2$/m);
    expect(stdout).toMatch(/^rings +2$/m);
    expect(stdout).toMatch(/^latency p50\/p99 +\d+ ms \/ \d+ ms/m);
    expect(stdout).toMatch(/OK: one ring per press/);
  });

  it('emulate: publishes CoIoT to its peer, presses on SIGUSR1, stops cleanly on SIGTERM; --firmware knobs apply', async () => {
    const socket = dgram.createSocket('udp4');
    const got: Buffer[] = [];
    socket.on('message', (b) => got.push(b));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    const port = socket.address().port;
    const result = await runCli(
      [
        'emulate',
        '--id',
        'shellyuni-AABBCC778899',
        '--coiot',
        `127.0.0.1:${port}`,
        '--hold',
        '0.2',
        '--firmware',
        'unicastCode=2.05',
        '--firmware',
        'validity=update-period',
        '--firmware',
        'coiotPeriodS=60',
      ],
      async (stdout, kill) => {
        for (let i = 0; i < 1500 && !stdout().includes('emulating'); i++) await sleep(20);
        // Before its handler is installed, SIGUSR1 would open Node's inspector instead of pressing.
        if (!stdout().includes('emulating')) throw new Error('emulate did not start within 30 s');
        kill('SIGUSR1');
        for (let i = 0; i < 300 && !got.some((b) => readG(decodeCoiot(b).payload).get(2103) === 1); i++)
          await sleep(20);
        kill('SIGTERM');
      },
    );
    socket.close();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/emulating shellyuni-AABBCC778899 \(SHUNI-1\)/);
    expect(result.stdout).toMatch(/firmware unicastCode=2\.05 validity=update-period coiotPeriodS=60/);
    expect(result.stdout).toMatch(/^press 1$/m);
    expect(result.stdout).toMatch(/stopped after 1 presses/);
    const statuses = got.map((b) => decodeCoiot(b));
    expect(statuses.every((m) => m.deviceId === 'shellyuni-AABBCC778899')).toBe(true);
    expect(statuses.every((m) => m.code === '2.05' && m.validityS === 60)).toBe(true);
    expect(statuses.map((m) => readG(m.payload).get(2101))).toEqual([0, 1, 0]);
    expect(readG(statuses[2]?.payload as Buffer).get(2102)).toBe('S');
  });
});
