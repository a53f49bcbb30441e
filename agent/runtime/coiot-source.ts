import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { UdpLanes } from '../io/udp-lanes.ts';
import { startUdpListener, type UdpListener } from '../io/udp-listener.ts';
import type { Component } from './component.ts';

/**
 * CoIoT in: the UDP socket (multicast and the `coiot_peer` unicast port), each datagram handed on as it arrives;
 * with `coiot.device_sockets`, a socket of its own for each known device's sender (`UdpLanes`).
 */
export class CoiotSource implements Component {
  readonly name = 'coiot';
  private listener: UdpListener | undefined;
  private lanes: UdpLanes | undefined;
  private lanesAtStop = 0;

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

  /** Senders with a socket of their own (once stopped: when it stopped). */
  get laneCount(): number {
    return this.lanes?.size ?? this.lanesAtStop;
  }

  /** A configured device's datagram was accepted from `source` (`address:port`): its sender gets its own socket. */
  accepted(device: string, address: string, source: string): void {
    this.lanes?.assign(device, address, source);
  }

  async start(): Promise<void> {
    if (!this.config.enabled) return;
    const { onDatagram } = this;
    const group = this.config.multicast ? this.config.multicast_group : null;
    this.listener = await startUdpListener({
      host: this.config.listen,
      port: this.config.port,
      group,
      interfaceAddress: this.config.interface,
      log: this.log,
      onDatagramFrom: (bytes, address, port) => {
        if (this.lanes === undefined || this.lanes.admitShared(bytes, address, port))
          onDatagram(bytes, address, port);
      },
    });
    if (this.config.device_sockets)
      this.lanes = new UdpLanes({
        host: this.config.listen,
        port: this.listener.port,
        group,
        log: this.log,
        onDatagramFrom: onDatagram,
      });
  }

  async stop(): Promise<void> {
    const lanes = this.lanes;
    this.lanes = undefined;
    this.lanesAtStop = lanes?.size ?? 0;
    await lanes?.close();
    await this.listener?.close();
  }
}
