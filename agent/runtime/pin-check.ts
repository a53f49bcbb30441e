import type { ProblemEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { AddressPins } from '../security/address-pins.ts';

/** What the pin check reports to: the pipeline's log, hooks (see `PipelineHooks`) and counters. */
export interface PinCheckContext {
  readonly log: Logger;
  readonly hooks: {
    onProblem?(problem: ProblemEvent): void;
    onAddressToVerify?(deviceId: string, address: string, reason: 'learnt' | 'moved'): void;
  };
  readonly stats: { spoofed: number };
}

/** The pin check; false = drop the datagram (spoofed, or unknown). */
export function pinAccepts(
  pins: AddressPins,
  deviceId: string,
  address: string,
  nowMs: number,
  { log, hooks, stats }: PinCheckContext,
): boolean {
  const verdict = pins.check(deviceId, address, nowMs);
  switch (verdict.kind) {
    case 'accept':
      return true;
    case 'learnt':
      log.info('device pinned to its first address', { device: deviceId, address });
      hooks.onAddressToVerify?.(deviceId, address, 'learnt');
      return true;
    case 'unknown':
      if (verdict.discovered)
        log.info('discovered a device that is not in the config', { device: deviceId, address });
      return true; // counted as unknown below
    case 'spoofed':
      stats.spoofed++;
      if (verdict.raise) {
        log.warn('CoIoT datagram for a device from another address: dropped', {
          device: deviceId,
          address,
          pinned: verdict.pinned,
        });
        hooks.onProblem?.({
          type: 'problem',
          t: nowMs / 1000,
          device: deviceId,
          problem: 'spoofed',
          on: true,
          detail: `CoIoT from ${address}, device pinned to ${verdict.pinned}`,
        });
      }
      if (verdict.verify) hooks.onAddressToVerify?.(deviceId, address, 'moved');
      return false;
  }
}
