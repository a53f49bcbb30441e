import dgram from 'node:dgram';
import type { Logger } from '../core/logger.ts';
import { COIOT_RECV_BUFFER_BYTES } from './udp-listener.ts';

export interface UdpLanesOptions {
  /** The shared socket's address and port: a unicast lane binds the same, beside it (address reuse). */
  host: string;
  port: number;
  /** The multicast group the shared socket joined (null: none): a multicast lane binds it. */
  group: string | null;
  log: Logger;
  /** Where a lane's datagrams go: the same handler as the shared socket's. */
  onDatagramFrom(bytes: Buffer, address: string, port: number): void;
  /** Least time between two moves of one device's lane (a sender whose port changes often keeps no lane). */
  minMoveMs?: number;
  now?: () => number;
}

/** What a lane catches: datagrams sent to the agent's address, or to the multicast group. */
export type LaneKind = 'unicast' | 'multicast';

interface Lane {
  address: string;
  port: number;
  /** `address:port`, as the pipeline names a datagram's source. */
  source: string;
  kind: LaneKind;
  socket: dgram.Socket;
  /** When it was connected (the kernel now gives it this sender's datagrams); null before. */
  connectedMs: number | null;
  devices: Set<string>;
  /** Multicast: the latest datagrams from this sender and the socket each came through (to know a copy). */
  recent: Array<{ bytes: Buffer; viaLane: boolean }>;
  /** The sender's datagrams the shared socket passed on since the lane last heard one: it catches none. */
  misses: number;
}

const DEFAULT_MIN_MOVE_MS = 60_000;
/** A copy on the other socket comes within a few datagrams (the shared socket's queue may hold it back). */
const RECENT = 4;
/**
 * A lane that has caught none of its sender's last datagrams, at least this long after it was connected (longer
 * than a flood holds one back in the shared queue, longer than a Uni's 15 s between reports), is of the wrong kind.
 */
const MISSES = 3;
const MISS_AFTER_MS = 20_000;

/**
 * One connected UDP socket ("lane") per sender of a known device, on the shared socket's port beside it (address
 * reuse), so that each known Uni gets a receive queue of its own: a flood queued on the shared socket can neither
 * delay its reports nor make the kernel drop them (the event loop reads a few datagrams from each ready socket in
 * turn). What Linux does, and this relies on:
 * - a unicast datagram goes to the socket connected to its sender before any unconnected one; a lane bound to the
 *   shared socket's address catches it (the shared socket does not get it);
 * - a multicast datagram goes to every socket whose local address matches the group: connecting a lane bound to
 *   `0.0.0.0` fixes its local address to the interface's, so only a lane bound to the group catches its sender's
 *   multicast (the shared socket gets its copy too, passed on once: `admitShared`).
 * A lane starts as unicast; one that catches nothing while the shared socket keeps hearing its sender becomes
 * multicast, and then none. Where the platform refuses a lane, the shared socket goes on alone.
 */
export class UdpLanes {
  private readonly byAddress = new Map<string, Lane[]>();
  private readonly laneOf = new Map<string, Lane>();
  private readonly movedAt = new Map<string, number>();
  /** Senders no lane caught, or whose lane failed: they keep to the shared socket. */
  private readonly sharedOnly = new Set<string>();
  private readonly minMoveMs: number;
  private readonly now: () => number;
  private disabled = false;
  private closed = false;

  constructor(private readonly options: UdpLanesOptions) {
    this.minMoveMs = options.minMoveMs ?? DEFAULT_MIN_MOVE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Senders with a lane (bound or connecting). */
  get size(): number {
    let n = 0;
    for (const lanes of this.byAddress.values()) n += lanes.length;
    return n;
  }

  /** `device` was accepted from `source` (`address:port`): give that sender a lane, moving the device's old one. */
  assign(device: string, address: string, source: string): void {
    const current = this.laneOf.get(device);
    if (current?.source === source || this.disabled || this.closed) return;
    // At most one new lane per device per `minMoveMs`, whether it moved or its lane failed.
    const nowMs = this.now();
    if (nowMs - (this.movedAt.get(device) ?? Number.NEGATIVE_INFINITY) < this.minMoveMs) return;
    if (current) this.leave(device, current);
    const port = Number(source.slice(address.length + 1));
    if (!Number.isInteger(port) || port < 1 || port > 65_535) return;
    this.movedAt.set(device, nowMs);
    if (this.sharedOnly.has(source)) return;
    const lane = this.find(address, port) ?? this.open(address, port, source, 'unicast', new Set());
    lane.devices.add(device);
    this.laneOf.set(device, lane);
  }

  /** The kind of the connected lane that carries this sender's datagrams; null: none (yet). */
  laneKind(address: string, port: number): LaneKind | null {
    const lane = this.find(address, port);
    return lane?.connectedMs != null ? lane.kind : null;
  }

  /**
   * The shared socket heard this datagram: false if it is the copy of one its sender's lane already passed on
   * (multicast reaches both sockets). Costs one map lookup for a sender without a lane.
   */
  admitShared(bytes: Buffer, address: string, port: number): boolean {
    const lane = this.find(address, port);
    if (lane === undefined) return true;
    if (lane.kind === 'multicast' && !this.admit(lane, bytes, false)) return false;
    if (
      lane.connectedMs !== null &&
      ++lane.misses >= MISSES &&
      this.now() - lane.connectedMs >= MISS_AFTER_MS
    )
      this.replace(lane);
    return true;
  }

  /** `lane` catches none of its sender's datagrams: a multicast lane in its place, or none. */
  private replace(lane: Lane): void {
    const devices = new Set(lane.devices);
    this.drop(lane);
    if (lane.kind === 'unicast' && this.options.group !== null) {
      const next = this.open(lane.address, lane.port, lane.source, 'multicast', devices);
      for (const device of devices) this.laneOf.set(device, next);
      return;
    }
    this.sharedOnly.add(lane.source);
    this.options.log.info(
      'CoIoT: no socket of its own catches this sender; its reports share the CoIoT socket',
      {
        sender: lane.source,
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const lanes = [...this.byAddress.values()].flat();
    this.byAddress.clear();
    this.laneOf.clear();
    await Promise.all(lanes.map((lane) => closeSocket(lane.socket)));
  }

  /**
   * A datagram of a multicast lane's sender, through the lane or the shared socket: passed on unless the other
   * socket passed the same bytes on (a CoAP copy: same message id too) among its sender's latest datagrams. (A
   * unicast datagram reaches one socket only.)
   */
  private admit(lane: Lane, bytes: Buffer, viaLane: boolean): boolean {
    const { recent } = lane;
    for (let i = 0; i < recent.length; i++) {
      const seen = recent[i] as (typeof recent)[number];
      if (seen.viaLane !== viaLane && seen.bytes.equals(bytes)) {
        recent.splice(i, 1);
        return false;
      }
    }
    if (recent.length >= RECENT) recent.shift();
    recent.push({ bytes, viaLane });
    return true;
  }

  private find(address: string, port: number): Lane | undefined {
    const lanes = this.byAddress.get(address);
    if (lanes === undefined) return undefined;
    for (const lane of lanes) if (lane.port === port) return lane;
    return undefined;
  }

  private open(address: string, port: number, source: string, kind: LaneKind, devices: Set<string>): Lane {
    // As large a queue as the shared socket's: a lane may carry many devices (a relay, a gateway).
    const socket = dgram.createSocket({
      type: 'udp4',
      reuseAddr: true,
      recvBufferSize: COIOT_RECV_BUFFER_BYTES,
    });
    const lane: Lane = {
      address,
      port,
      source,
      kind,
      socket,
      connectedMs: null,
      devices,
      recent: [],
      misses: 0,
    };
    const lanes = this.byAddress.get(address);
    if (lanes) lanes.push(lane);
    else this.byAddress.set(address, [lane]);
    const { onDatagramFrom, log } = this.options;
    // Until it is connected, a lane bound last may be handed other senders' unicast datagrams: they go to the
    // same handler, so nothing is lost.
    socket.on('message', (bytes, remote) => {
      if (remote.address !== address || remote.port !== port)
        onDatagramFrom(bytes, remote.address, remote.port);
      else {
        lane.misses = 0;
        if (kind === 'unicast' || this.admit(lane, bytes, true)) onDatagramFrom(bytes, address, port);
      }
    });
    socket.on('error', (error) => {
      if (this.find(address, port) !== lane) return; // a lane already dropped (moved, replaced, closed)
      log.info('CoIoT: no socket of its own for a device; its reports share the CoIoT socket', {
        sender: source,
        error: error.message,
      });
      // A platform that refuses one lane refuses them all (no address reuse): stop trying. Any other failure (no
      // route back to the sender, no file descriptor left) is this sender's: it keeps to the shared socket.
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') this.disabled = true;
      else this.sharedOnly.add(source);
      this.drop(lane);
    });
    const host = kind === 'multicast' ? (this.options.group as string) : this.options.host;
    socket.bind(this.options.port, host, () => {
      if (this.find(address, port) !== lane) return; // dropped (or closed) while binding
      socket.connect(port, address, (error?: Error) => {
        if (error) socket.emit('error', error);
        else if (this.find(address, port) === lane) lane.connectedMs = this.now();
      });
    });
    return lane;
  }

  private leave(device: string, lane: Lane): void {
    this.laneOf.delete(device);
    lane.devices.delete(device);
    if (lane.devices.size === 0) this.drop(lane);
  }

  private drop(lane: Lane): void {
    if (this.find(lane.address, lane.port) !== lane) return; // already dropped
    lane.connectedMs = null;
    for (const device of lane.devices) if (this.laneOf.get(device) === lane) this.laneOf.delete(device);
    const lanes = this.byAddress.get(lane.address);
    if (lanes) {
      const rest = lanes.filter((l) => l !== lane);
      if (rest.length === 0) this.byAddress.delete(lane.address);
      else this.byAddress.set(lane.address, rest);
    }
    void closeSocket(lane.socket);
  }
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
