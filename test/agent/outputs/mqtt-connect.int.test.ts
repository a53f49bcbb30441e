import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../agent/core/logger.ts';
import { connectWhenReachable } from '../../../agent/outputs/mqtt-connect.ts';
import { startMosquitto } from '../../helpers/mosquitto.ts';

/** The lines a user sees at the default level (info and above), in order. */
function recordingLogger(): Logger & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    debug: () => {},
    info: (msg) => seen.push(msg),
    warn: (msg) => seen.push(msg),
    error: (msg) => seen.push(msg),
  };
}

describe('connectWhenReachable', () => {
  it('logs a connection that was up and drops as lost, when the socket gives its error before its close', async () => {
    const broker = await startMosquitto();
    const logger = recordingLogger();
    const errors: unknown[] = [];
    const client = await connectWhenReachable(
      {
        url: broker.url,
        options: { reconnectPeriod: 50 },
        backoff: { minMs: 50, maxMs: 200 },
        random: () => 0.5,
        logger,
        onError: (error) => errors.push(error),
      },
      undefined,
    );
    try {
      // What a socket reset by the broker gives first, before its close (the order varies from run to run).
      client.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      await broker.stop();
      await closed;
      expect(logger.seen).toEqual(['MQTT connection lost; reconnecting with backoff']);
      expect(errors).toEqual([]);
    } finally {
      client.end(true);
      await broker.stop();
    }
  });
});
