import type { Logger } from '../core/logger.ts';
import { fetchCitD } from '../io/cit-d-fetch.ts';
import type { Pipeline } from './pipeline.ts';

/**
 * A configured CoIoT device heard for the first time: fetch its `/cit/d`, else keep the built-in sensor table. An
 * answer (or a failure) that comes after the agent stopped is dropped: nothing is logged after `stopped`.
 */
export function loadCoiotDescription(
  pipeline: () => Pipeline,
  log: Logger,
  httpPortOf: (deviceId: string) => number,
  isStopped: () => boolean,
): (deviceId: string, deviceType: string, host: string) => void {
  return (deviceId, deviceType, host) => {
    fetchCitD(host, { httpPort: httpPortOf(deviceId) })
      .then((map) => {
        if (isStopped()) return;
        pipeline().setSensorMap(deviceId, map);
        log.info('CoIoT description loaded', { device: deviceId, host });
      })
      .catch((error: unknown) => {
        if (isStopped()) return;
        log.info('CoIoT description unavailable; using the built-in table', {
          device: deviceId,
          type: deviceType,
          reason: String(error),
        });
      });
  };
}
