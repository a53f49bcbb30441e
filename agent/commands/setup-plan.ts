import type { Identified } from './setup-identify.ts';

/** Where a Gen1 Uni sends CoIoT: the multicast group, or one `coiot_peer`. */
export type CoiotChoice = { kind: 'multicast' } | { kind: 'peer'; host: string; port: number };

export type ChimeChoice = { mode: 'mechanical' } | { mode: 'electronic'; duration_s: number };

/** What `setup` was asked for. */
export interface Wanted {
  input: number;
  chime: ChimeChoice;
  /** undefined: leave CoIoT where it goes. */
  coiot?: CoiotChoice;
  /** `host:port` of the broker, and the credentials the device logs in with ('' = none). */
  mqtt?: { server: string; user: string; pass: string };
  name?: string;
}

/** One setting to change: how it reads now and after, why, and how to apply it. */
export interface Change {
  what: string;
  from: string;
  to: string;
  why: string;
  /** Applied only after a reboot (Gen1 CoIoT and MQTT [DOC-G1], Gen2 MQTT), for the plan. */
  reboot: boolean;
  /** Sends it; true when a restart is needed to apply it (Gen2: `restart_required`; Gen1: its documentation). */
  apply(): Promise<boolean>;
  /** The value as the device reports it in a fresh snapshot (to compare with `to`). */
  read(snapshot: unknown): string;
}

/** A device's API, for `setup`: Gen1 HTTP or Gen2 RPC. */
export interface DeviceSession {
  readonly device: Identified;
  /** Everything the changes read (Gen1 `/settings`, Gen2 `Shelly.GetConfig`). */
  snapshot(): Promise<unknown>;
  /** The changes `wanted` needs from this snapshot (none for what is already so). */
  changes(wanted: Wanted, snapshot: unknown): Change[];
  /** Seconds since boot. */
  uptime(): Promise<number>;
  reboot(): Promise<void>;
  /** The device's own IPv4 address, as it reports it. */
  ip(snapshot: unknown): string | null;
}

export const COIOT_TRAP =
  'A Gen1 Shelly has one coiot_peer. Pointing it at the agent takes CoIoT away from everything else that\n' +
  "listens, Home Assistant's Shelly integration included (it then only polls this Uni). Choose one:\n" +
  '  1) keep multicast: the agent and Home Assistant both hear it, on the same network segment\n' +
  '     (--coiot-peer multicast);\n' +
  '  2) point the peer at the agent (needed across VLANs) and let the agent forward each datagram to Home\n' +
  "     Assistant's CoIoT port (--coiot-peer AGENT:5683 --forward HA:5683, written as coiot.forward).";

export function describeCoiot(choice: CoiotChoice): string {
  return choice.kind === 'multicast' ? 'multicast' : `${choice.host}:${choice.port}`;
}

/** The plan, one aligned line per change. */
export function planLines(changes: readonly Change[]): string[] {
  const width = Math.max(...changes.map((c) => c.what.length), 0);
  const lines = changes.map(
    (c) => `  ${c.what.padEnd(width)}  ${c.from} → ${c.to}\n  ${''.padEnd(width)}  (${c.why})`,
  );
  if (changes.some((c) => c.reboot))
    lines.push('  then a reboot if the device asks for one: it applies these changes only when it starts');
  return lines;
}
