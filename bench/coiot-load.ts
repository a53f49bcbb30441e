import { encodeStatus, shuniValues } from '../simulator/emulator/coiot-encode.ts';
import { udpSender } from '../test/helpers/udp.ts';

export const macOf = (i: number) => `98CDAC${i.toString(16).toUpperCase().padStart(6, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PERIOD_MS = 15_000;
/** A device pressed again within its settle window would be the same press by design: presses pick a rested one. */
const REST_MS = 3_000;

/**
 * Byte-exact SHUNI-1 status datagrams from `devices` Unis, sent from one socket to the agent's CoIoT port: a first
 * report from each (baselines), then periodic re-reports spread evenly over 15 s and presses at `pressesPerSecond`
 * (a rise, and 200 ms later the release with its `S` event). `onRise` runs just before a rise leaves.
 */
export async function coiotLoad(options: {
  devices: number;
  port: number;
  seconds: number;
  pressesPerSecond: number;
  onRise?: (device: string) => void;
  /** Called every few ms while the load runs (sampling RSS, say). */
  onTick?: () => void;
}): Promise<{ presses: number }> {
  const { devices, port } = options;
  const sender = await udpSender();
  const state = Array.from({ length: devices }, () => ({
    serial: 1,
    mid: 0,
    count: 0,
    level: false,
    lastMs: 0,
  }));
  const idle = { level: false, event: '', count: 0 };
  const send = (i: number, event = '') => {
    const s = state[i] as (typeof state)[number];
    const values = shuniValues({ inputs: [{ level: s.level, event, count: s.count }, idle] });
    return sender.send(
      encodeStatus({ deviceType: 'SHUNI-1', mac: macOf(i), messageId: s.mid++, serial: s.serial, values }),
      port,
    );
  };
  for (let i = 0; i < devices; i++) await send(i);
  // First contact of 1,000 devices is 1,000 committed writes (baselines, pins, health): let it settle, so the
  // figures are the steady state.
  await sleep(5_000);

  const started = Date.now();
  let nextPeriodic = 0;
  let nextPress = 0;
  let presses = 0;
  while (Date.now() - started < options.seconds * 1000) {
    const elapsed = Date.now() - started;
    const dueReports = Math.floor((elapsed / PERIOD_MS) * devices);
    for (; nextPeriodic < dueReports; nextPeriodic++) await send(nextPeriodic % devices);
    if (elapsed >= nextPress) {
      nextPress += 1000 / options.pressesPerSecond;
      const i = Math.floor(Math.random() * devices);
      const s = state[i] as (typeof state)[number];
      if (!s.level && Date.now() - s.lastMs > REST_MS) {
        s.lastMs = Date.now();
        s.level = true;
        s.serial = (s.serial % 65_535) + 1;
        options.onRise?.(`shellyuni-${macOf(i)}`);
        await send(i);
        presses++;
        setTimeout(() => {
          s.level = false;
          s.count = (s.count + 1) % 65_536;
          s.serial = (s.serial % 65_535) + 1;
          void send(i, 'S');
        }, 200);
      }
    }
    options.onTick?.();
    await sleep(5);
  }
  await sleep(1_500);
  await sender.close();
  return { presses };
}
