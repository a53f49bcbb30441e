import { KeyedTasks } from '../core/keyed-tasks.ts';
import type { Logger } from '../core/logger.ts';
import { fetchCitD } from '../io/cit-d-fetch.ts';
import type { Pipeline } from './pipeline.ts';

/** At most this many `/cit/d` fetches run at once; a fleet's first contact queues the rest (one per device). */
const MAX_IN_FLIGHT = 8;
const MAX_WAITING = 4_096;

/**
 * A configured CoIoT device heard for the first time: fetch its `/cit/d`, else keep the built-in sensor table (also
 * while its fetch waits its turn). An answer (or a failure) that comes after the agent stopped is dropped: nothing
 * is logged after `stopped`, and no fetch starts.
 */
export function loadCoiotDescription(
  pipeline: () => Pipeline,
  log: Logger,
  httpPortOf: (deviceId: string) => number,
  isStopped: () => boolean,
): (deviceId: string, deviceType: string, host: string) => void {
  const fetches = new KeyedTasks(MAX_IN_FLIGHT, MAX_WAITING);
  const load = async (deviceId: string, deviceType: string, host: string) => {
    if (isStopped()) return;
    try {
      const map = await fetchCitD(host, { httpPort: httpPortOf(deviceId) });
      if (isStopped()) return;
      pipeline().setSensorMap(deviceId, map);
      log.info('CoIoT description loaded', { device: deviceId, host });
    } catch (error) {
      if (isStopped()) return;
      log.info('CoIoT description unavailable; using the built-in table', {
        device: deviceId,
        type: deviceType,
        reason: String(error),
      });
    }
  };
  return (deviceId, deviceType, host) => {
    fetches.add(deviceId, () => load(deviceId, deviceType, host));
  };
}
