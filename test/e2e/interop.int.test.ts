import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulatedUni } from '../../simulator/emulator/uni.ts';

/**
 * Clients no one here wrote discover the emulated Uni over CoIoT on loopback and see its input change: node-shellies
 * (`shellies`, used by homebridge-shelly) and `shelly-iot` (used by ioBroker.shelly). Both bind the CoIoT port
 * 5683 themselves, so the Uni sends to 127.0.0.1:5683 as a unicast `coiot_peer`; the two run one after the other.
 */
const require = createRequire(import.meta.url);
const MAC = 'AABBCC445566';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const press = [
  { t: 0.05, level: 1 as const },
  { t: 0.35, level: 0 as const },
];

describe('interop: third-party CoIoT clients discover the emulated SHUNI-1', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const emulate = async () => {
    const uni = await startEmulatedUni({
      gen: 'gen1',
      mac: MAC,
      coiot: { peer: { host: '127.0.0.1', port: 5683 }, bindAddress: '127.0.0.1' },
    });
    cleanups.push(() => uni.stop());
    return uni;
  };

  it('node-shellies (shellies) discovers it as a Shelly Uni and reports input0, inputEvent0, inputEventCounter0', async () => {
    const shellies = require('shellies') as {
      start(): Promise<void>;
      stop(): void;
      removeAllListeners(): void;
      on(event: 'discover', fn: (device: ShelliesDevice) => void): void;
    };
    interface ShelliesDevice {
      type: string;
      id: string;
      input0: number;
      on(event: 'change', fn: (prop: string, value: unknown) => void): void;
    }
    const discovered: ShelliesDevice[] = [];
    const changes: Array<[string, unknown]> = [];
    shellies.on('discover', (device) => {
      discovered.push(device);
      device.on('change', (prop, value) => changes.push([prop, value]));
    });
    await shellies.start();
    cleanups.push(() => {
      shellies.stop();
      shellies.removeAllListeners();
    });
    const uni = await emulate();
    const device = await until('discovery', () => discovered.find((d) => d.id === MAC));
    expect(device.type).toBe('SHUNI-1');
    uni.input(press);
    await until('the S event', () => changes.find(([p, v]) => p === 'inputEventCounter0' && v === 1));
    expect(changes).toContainEqual(['input0', 1]);
    expect(changes).toContainEqual(['input0', 0]);
    expect(changes).toContainEqual(['inputEvent0', 'S']);
  });

  it('shelly-iot (ioBroker) reports the device and each status with 2101/2102/2103', async () => {
    const ShellyIot = require('shelly-iot') as new (
      options: object,
    ) => {
      listen(cb: () => void): void;
      stopListening(cb?: () => void): void;
      on(event: string, fn: (...args: unknown[]) => void): void;
    };
    const client = new ShellyIot({});
    const updates: Array<{ id: string; g: Map<number, unknown> }> = [];
    client.on('update-device-status', (id, payload) => {
      const g = new Map((payload as { G: Array<[number, number, unknown]> }).G.map(([, k, v]) => [k, v]));
      updates.push({ id: id as string, g });
    });
    client.on('error', () => {});
    await new Promise<void>((resolve) => client.listen(resolve));
    cleanups.push(() => new Promise<void>((resolve) => client.stopListening(() => resolve())));
    const uni = await emulate();
    await until('the first status', () => updates.find((u) => u.id === `SHUNI-1#${MAC}#2`));
    uni.input(press);
    await until('the S event', () => updates.find((u) => u.g.get(2103) === 1 && u.g.get(2102) === 'S'));
    expect(updates.some((u) => u.g.get(2101) === 1)).toBe(true);
  });
});
