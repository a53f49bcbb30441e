import dgram from 'node:dgram';
import type { Logger } from '../core/logger.ts';
import { SourceRateLimiter } from '../security/rate-limit.ts';
import type { Component } from './component.ts';

/** Datagrams per second (and burst) each listener may get: ample for a few Unis, a wall against a flood. */
export const FORWARD_RATE_PER_S = 50;
export const FORWARD_BURST = 100;

/**
 * `coiot.forward`: every CoIoT datagram the agent accepted (past the rate limits and address pinning) is sent on,
 * byte for byte, to each listener, so Home Assistant's Shelly integration keeps hearing a Uni whose one
 * `coiot_peer` points at the agent. Each listener has its own token bucket; drops are logged once a minute.
 */
export class CoiotForwarder implements Component {
  readonly name = 'coiot-forward';
  /** Datagrams sent and dropped by the rate limit, over all listeners. */
  readonly stats = { sent: 0, dropped: 0 };
  private socket: dgram.Socket | undefined;
  private readonly limiter: SourceRateLimiter;
  private readonly targets: Array<{ host: string; port: number; key: string }>;
  private lastDropLogMs = Number.NEGATIVE_INFINITY;

  constructor(
    forward: readonly string[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.targets = forward.map((key) => {
      const at = key.lastIndexOf(':');
      return { host: key.slice(0, at), port: Number(key.slice(at + 1)), key };
    });
    this.limiter = new SourceRateLimiter({
      ratePerS: FORWARD_RATE_PER_S,
      burst: FORWARD_BURST,
      sharedRatePerS: 1,
      maxSources: Math.max(16, this.targets.length),
    });
  }

  async start(): Promise<void> {
    if (this.targets.length === 0) return;
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => this.log.warn('coiot.forward: send failed', { error: error.message }));
    this.socket = socket;
    this.log.info('forwarding CoIoT', { to: this.targets.map((t) => t.key) });
  }

  /** Sends `bytes` on to every listener whose bucket allows it. */
  forward(bytes: Buffer): void {
    const socket = this.socket;
    if (!socket) return;
    const nowMs = this.now();
    for (const target of this.targets) {
      if (!this.limiter.allow(target.key, 1, nowMs)) {
        this.stats.dropped++;
        if (nowMs - this.lastDropLogMs >= 60_000) {
          this.lastDropLogMs = nowMs;
          this.log.warn('coiot.forward: rate limit reached, datagrams dropped', {
            to: target.key,
            dropped: this.stats.dropped,
            rate_per_s: FORWARD_RATE_PER_S,
          });
        }
        continue;
      }
      this.stats.sent++;
      socket.send(bytes, target.port, target.host);
    }
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
