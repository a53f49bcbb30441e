import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { startUdpListener, type UdpListener } from '../io/udp-listener.ts';
import type { Component } from './component.ts';

/** CoIoT in: the UDP socket (multicast and the `coiot_peer` unicast port), each datagram handed on as it arrives. */
export class CoiotSource implements Component {
  readonly name = 'coiot';
  private listener: UdpListener | undefined;

  constructor(
    private readonly config: Config['coiot'],
    private readonly log: Logger,
    /** Each datagram with its sender's address and port (`host:port` is made only where it is needed). */
    private readonly onDatagram: (bytes: Buffer, address: string, port: number) => void,
  ) {}

  /** The bound port (null when CoIoT is disabled or not started). */
  get port(): number | null {
    return this.listener?.port ?? null;
  }

  async start(): Promise<void> {
    if (!this.config.enabled) return;
    this.listener = await startUdpListener({
      host: this.config.listen,
      port: this.config.port,
      group: this.config.multicast ? this.config.multicast_group : null,
      interfaceAddress: this.config.interface,
      log: this.log,
      onDatagramFrom: this.onDatagram,
    });
  }

  async stop(): Promise<void> {
    await this.listener?.close();
  }
}
