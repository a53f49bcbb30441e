import type { ProblemEvent } from '../core/events.ts';
import { KeyedTasks } from '../core/keyed-tasks.ts';
import type { Logger } from '../core/logger.ts';
import { verifyDeviceAddress } from '../io/verify-http.ts';
import type { AddressPins } from '../security/address-pins.ts';

export interface PinVerifierOptions {
  pins: AddressPins;
  /** `security.verify_http`. */
  enabled: boolean;
  /** HTTP port of the devices' `/shelly`; default 80. */
  port?: number;
  /** A device's own HTTP port (`devices[].address` as `host:port`), before `port`. */
  portOf?(deviceId: string): number | undefined;
  log: Logger;
  /** The agent is stopping: results that come back late are ignored. */
  isStopped(): boolean;
  raise(problem: ProblemEvent): void;
  now(): number;
}

/** At most this many `/shelly` checks run at once, so a flood of new addresses cannot open a socket each. */
const MAX_IN_FLIGHT = 8;
/** The others wait their turn (a fleet's first contact is one check per Uni); beyond this many, they are dropped. */
const MAX_WAITING = 4_096;

/**
 * Checks, over HTTP `/shelly`, an address a device was first heard from (`learnt`) or has moved to (`moved`), and
 * tells the pins the outcome: a match pins it, a mismatch withdraws it (and a forged first contact is a `spoofed`
 * problem), no answer leaves things as they are.
 */
export function pinVerifier(options: PinVerifierOptions) {
  const { pins, log } = options;
  const checks = new KeyedTasks(MAX_IN_FLIGHT, MAX_WAITING);
  const check = async (deviceId: string, address: string, reason: 'learnt' | 'moved') => {
    if (options.isStopped()) return;
    const port = options.portOf?.(deviceId) ?? options.port;
    const result = await verifyDeviceAddress(deviceId, address, port ? { port } : {});
    if (options.isStopped()) return;
    const where = { device: deviceId, address };
    if (result === 'match') {
      pins.verified(deviceId, address);
      log.info(
        reason === 'moved' ? 'device moved: re-pinned after HTTP verification' : 'device address verified',
        where,
      );
    } else if (result === 'mismatch') {
      pins.refuted(deviceId, address);
      log.warn('the device at this address is not the one claimed: not trusted', where);
      if (reason === 'learnt') {
        options.raise({
          type: 'problem',
          t: options.now() / 1000,
          device: deviceId,
          problem: 'spoofed',
          on: true,
          detail: `first CoIoT contact from ${address}, where /shelly reports another MAC`,
        });
      }
    } else {
      log.info(
        reason === 'moved'
          ? 'device not reachable over HTTP at the new address: not re-pinned'
          : 'device not reachable over HTTP: keeping the address of first contact',
        where,
      );
    }
  };
  return (deviceId: string, address: string, reason: 'learnt' | 'moved'): void => {
    if (!options.enabled) return;
    checks.add(`${deviceId}|${address}`, () =>
      check(deviceId, address, reason).catch((error: unknown) =>
        log.error('address check failed', { device: deviceId, address, error: String(error) }),
      ),
    );
  };
}
