/**
 * The garbage side of `garbage-flood.ts`: datagrams that are not what a real Uni sends, and worker threads that
 * send them at a given rate from many loopback addresses, so that the bench's own timing and the real Unis are not
 * slowed by the sending. Linux only (the kernel's per-socket drop counter comes from /proc/net/udp).
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { encodeStatus, shuniValues } from '../simulator/emulator/coiot-encode.ts';

/** 40 % random bytes, 30 % well-formed reports of unknown devices, 30 % reports forging the real devices' ids. */
export function garbagePackets(realMacs: string[], count = 4_000): Buffer[] {
  const packets: Buffer[] = [];
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let n = 0; n < count; n++) {
    const kind = n % 10;
    if (kind < 4) {
      packets.push(
        Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))),
      );
      continue;
    }
    const forged = kind >= 7;
    const mac = forged
      ? (realMacs[Math.floor(rand() * realMacs.length)] as string)
      : (0x98cd00000000 + Math.floor(rand() * 0xffffff)).toString(16).toUpperCase();
    packets.push(
      encodeStatus({
        deviceType: 'SHUNI-1',
        mac,
        messageId: n,
        serial: 1 + (n % 65_000),
        values: shuniValues({
          inputs: [
            { level: n % 2 === 0, event: 'S', count: n & 0xffff },
            { level: false, event: '', count: 0 },
          ],
        }),
      }),
    );
  }
  return packets;
}

const SENDER = `
const { workerData, parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const { port, packets, sources } = workerData;
let rate = workerData.rate;
const sockets = [];
let ready = 0;
for (const address of sources) {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  s.bind(0, address, () => s.connect(port, '127.0.0.1', () => { ready++; }));
  sockets.push(s);
}
let sent = 0, i = 0, stop = false, from = 0, sentFrom = 0;
parentPort.on('message', (m) => {
  if (m === 'stop') stop = true;
  else if (m === 'count') parentPort.postMessage({ sent });
  else { rate = m.rate; from = Date.now(); sentFrom = sent; }
});
const tick = () => {
  if (stop) { for (const s of sockets) s.close(); parentPort.postMessage({ sent, done: true }); return; }
  if (ready < sockets.length) return setTimeout(tick, 5);
  if (from === 0) { from = Date.now(); parentPort.postMessage({ ready: true }); }
  const due = sentFrom + Math.floor(((Date.now() - from) / 1000) * rate);
  while (sent < due) {
    sockets[i % sockets.length].send(packets[i % packets.length]);
    i++;
    sent++;
  }
  setTimeout(tick, 1);
};
tick();
`;

/** Worker threads flooding `port` at a total `rate`; `setRate` changes it, `sent` counts what went out. */
export class Flood {
  private readonly workers: Worker[];

  constructor(port: number, rate: number, packets: Buffer[], sources: string[], threads = 2) {
    this.workers = Array.from(
      { length: threads },
      (_, w) =>
        new Worker(SENDER, {
          eval: true,
          workerData: {
            port,
            rate: rate / threads,
            packets,
            sources: sources.filter((_, i) => i % threads === w),
          },
        }),
    );
  }

  ready(): Promise<void> {
    return Promise.all(this.workers.map((w) => once(w, (m) => m.ready === true))).then(() => {});
  }

  setRate(rate: number): void {
    for (const w of this.workers) w.postMessage({ rate: rate / this.workers.length });
  }

  async sent(): Promise<number> {
    const counts = await Promise.all(
      this.workers.map((w) => {
        const reply = once(w, (m) => typeof m.sent === 'number' && !m.done);
        w.postMessage('count');
        return reply;
      }),
    );
    return counts.reduce((sum, m) => sum + (m.sent as number), 0);
  }

  async stop(): Promise<number> {
    const done = await Promise.all(
      this.workers.map((w) => {
        const reply = once(w, (m) => m.done === true);
        w.postMessage('stop');
        return reply;
      }),
    );
    await Promise.all(this.workers.map((w) => w.terminate()));
    return done.reduce((sum, m) => sum + (m.sent as number), 0);
  }
}

function once(
  worker: Worker,
  match: (m: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (m: Record<string, unknown>) => {
      if (!match(m)) return;
      worker.off('message', listener);
      resolve(m);
    };
    worker.on('message', listener);
  });
}

/** The kernel's count of datagrams dropped on arrival (full buffer) by all the agent's sockets on 127.0.0.1:`port`. */
export function socketDrops(port: number): number {
  return socketDropsApart(port).total;
}

/**
 * The kernel's drop counters of the agent's sockets on 127.0.0.1:`port` (/proc/net/udp): the shared one (not
 * connected), and the per-device ones (`coiot.device_sockets`, each connected to its Uni) summed; `total` is NaN
 * when no socket is found.
 */
export function socketDropsApart(port: number): { total: number; shared: number; devices: number } {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let shared = 0;
  let devices = 0;
  let found = false;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== local) continue;
    found = true;
    if (fields[2] === '00000000:0000') shared += Number(fields.at(-1));
    else devices += Number(fields.at(-1));
  }
  return found ? { total: shared + devices, shared, devices } : { total: Number.NaN, shared, devices };
}

/** System-wide UDP counters from /proc/net/snmp (every socket of the host, not only the agent's). */
export function udpCounters(): { inErrors: number; rcvbufErrors: number } {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const get = (name: string) => Number(values[names.indexOf(name)]);
  return { inErrors: get('InErrors'), rcvbufErrors: get('RcvbufErrors') };
}
