import { InvalidArgumentError } from 'commander';
import { UsageError } from '../core/errors.ts';
import type { ChimeChoice, CoiotChoice } from './setup-plan.ts';

/** `mechanical` | `electronic:N` (1–60 s). */
export function parseChimeChoice(value: string): ChimeChoice {
  if (value === 'mechanical') return { mode: 'mechanical' };
  const m = /^electronic:(\d+(?:\.\d+)?)$/.exec(value);
  const seconds = Number(m?.[1]);
  if (!m || seconds < 1 || seconds > 60)
    throw new InvalidArgumentError('mechanical or electronic:N (N seconds, 1–60)');
  return { mode: 'electronic', duration_s: seconds };
}

/** `multicast` (or `mcast`) | `HOST[:PORT]` (port 5683 by default). */
export function parseCoiotChoice(value: string): CoiotChoice {
  if (value === 'multicast' || value === 'mcast') return { kind: 'multicast' };
  const target = hostPort(value, 5683);
  if (!target) throw new InvalidArgumentError('multicast or HOST[:PORT] (the agent, port 5683 by default)');
  return { kind: 'peer', ...target };
}

/** `HOST:PORT`, repeatable. */
export function collectForward(value: string, previous: string[]): string[] {
  const target = hostPort(value, null);
  if (!target)
    throw new InvalidArgumentError("HOST:PORT of Home Assistant's CoIoT listener, e.g. 192.168.1.10:5683");
  return [...previous, `${target.host}:${target.port}`];
}

export function parseInput(value: string): number {
  if (value !== '0' && value !== '1') throw new InvalidArgumentError('0 (IN_1) or 1 (IN_2)');
  return Number(value);
}

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}

/** The broker the device should use: `host:port` and credentials from an `mqtt://[user:pass@]host[:port]` URL. */
export function parseMqttTarget(value: string): {
  server: string;
  user: string;
  pass: string;
  tls: boolean;
  url: string;
} {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--mqtt: expected a URL such as mqtt://192.168.1.10:1883, not ${value}`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:'].includes(url.protocol) || url.hostname === '')
    throw new UsageError(`--mqtt: expected mqtt://[user:password@]host[:port], not ${url.protocol}//…`);
  const tls = url.protocol === 'mqtts:';
  const port = url.port === '' ? (tls ? 8883 : 1883) : Number(url.port);
  const plain = `${url.protocol}//${url.host}${url.port === '' ? `:${port}` : ''}`;
  return {
    server: `${url.hostname}:${port}`,
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
    tls,
    url: plain,
  };
}

function hostPort(value: string, defaultPort: number | null): { host: string; port: number } | null {
  const m = /^([A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d{1,5}))?$/.exec(value);
  if (!m || (m[2] === undefined && defaultPort === null)) return null;
  const port = Number(m[2] ?? defaultPort);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] as string, port };
}
