import type { DeviceConfig } from '../config/schema.ts';

/**
 * Every topic the agent publishes, in one place.
 *
 * - `<base>/agent/status`: `online` / `offline`, retained (birth and LWT); HA availability of every entity.
 * - `<base>/<device id>/<input>/event`: HA event entity state topic (one per configured input).
 * - `<base>/<device id>/ring`: the same ring for non-HA users; the payload carries `input`.
 */
export function agentStatusTopic(baseTopic: string): string {
  return `${baseTopic}/agent/status`;
}

export function eventTopic(baseTopic: string, device: Pick<DeviceConfig, 'id' | 'input'>): string {
  return `${baseTopic}/${device.id}/${device.input}/event`;
}

export function ringTopic(baseTopic: string, device: Pick<DeviceConfig, 'id'>): string {
  return `${baseTopic}/${device.id}/ring`;
}

/** `<base>/<device id>/problem`: problems (`spoofed`, …) as the trace contract prints them, QoS 1, not retained. */
export function problemTopic(baseTopic: string, device: string): string {
  return `${baseTopic}/${device}/problem`;
}

export const ONLINE = 'online';
export const OFFLINE = 'offline';
