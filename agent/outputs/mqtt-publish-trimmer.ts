/**
 * The largest PUBLISH (its remaining length: topic, packet id and payload) the agent reads whole from its broker.
 * What it subscribes to carries a few KB at most (the decoders refuse Gen2 frames past 16 KiB); MQTT.js would
 * otherwise buffer any size the broker accepts (mosquitto: up to 256 MB) before the decoders see it, and a 200 MB
 * message took the agent from 63 to 463 MB, never given back.
 */
export const MAX_RECEIVED_PUBLISH_BYTES = 256 * 1024;

const PUBLISH = 3;
const FIXED_HEADER = { kind: 'fixed-header' } as const;

type State =
  | { readonly kind: 'fixed-header' }
  | { kind: 'pass'; left: number }
  | { kind: 'variable-header'; remaining: number; head: number[] }
  | { kind: 'skip'; left: number };

/**
 * Rewrites the bytes an MQTT 3.1.1 client receives so that a PUBLISH longer than `maxBytes` arrives with its topic
 * and packet id but an empty payload: MQTT.js then parses a small packet and acknowledges it (a QoS 1 PUBLISH left
 * unacknowledged would hold the broker's window), the decoders refuse the empty payload, and the oversized bytes
 * are dropped as they stream by instead of being held. Every other packet passes unchanged, and a chunk with
 * nothing to rewrite is passed on as it is (no copy).
 */
export class PublishTrimmer {
  /** PUBLISH packets whose payload was dropped. */
  trimmed = 0;
  private state: State = FIXED_HEADER;
  /** The fixed header being read (type byte, then the remaining length's 1–4 bytes): held until it is complete. */
  private header: number[] = [];

  constructor(
    private readonly maxBytes = MAX_RECEIVED_PUBLISH_BYTES,
    private readonly onTrimmed?: (topic: string, bytes: number) => void,
  ) {}

  /** The bytes to hand on for `chunk`, in order (possibly none). */
  take(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    // Whether `out` is `chunk` itself: no byte held back from it, none dropped, none added.
    let exact = this.header.length === 0 && this.state.kind !== 'variable-header';
    let i = 0;
    while (i < chunk.length) {
      const state = this.state;
      if (state.kind === 'pass' || state.kind === 'skip') {
        const n = Math.min(state.left, chunk.length - i);
        if (state.kind === 'pass') out.push(chunk.subarray(i, i + n));
        else exact = false;
        i += n;
        state.left -= n;
        if (state.left === 0) this.state = FIXED_HEADER;
      } else if (state.kind === 'fixed-header') {
        this.header.push(chunk[i++] as number);
        this.readFixedHeader(out);
      } else {
        state.head.push(chunk[i++] as number);
        if (this.variableHeaderRead(state, out)) exact = false;
      }
    }
    if (this.header.length > 0 || this.state.kind === 'variable-header') exact = false;
    return exact ? [chunk] : out;
  }

  /** After each byte of a fixed header: once its remaining length is complete, decides what follows. */
  private readFixedHeader(out: Buffer[]): void {
    const bytes = this.header;
    if (bytes.length < 2) return;
    const last = bytes[bytes.length - 1] as number;
    if (last & 0x80 && bytes.length < 5) return;
    let remaining = 0;
    for (let k = bytes.length - 1; k >= 1; k--) remaining = remaining * 128 + ((bytes[k] as number) & 0x7f);
    const type = (bytes[0] as number) >> 4;
    // A malformed length (a fifth byte still continuing) is MQTT.js's to refuse: passed on as it came.
    if (type === PUBLISH && remaining > this.maxBytes && !(last & 0x80)) {
      this.state = { kind: 'variable-header', remaining, head: [] };
      return;
    }
    out.push(Buffer.from(bytes));
    this.header = [];
    this.state = remaining === 0 ? FIXED_HEADER : { kind: 'pass', left: remaining };
  }

  /** After each byte of an oversized PUBLISH's variable header; true once the packet was rewritten. */
  private variableHeaderRead(state: State & { kind: 'variable-header' }, out: Buffer[]): boolean {
    const { head, remaining } = state;
    if (head.length < 2) return false;
    const qos = ((this.header[0] as number) >> 1) & 3;
    const length = 2 + ((head[0] as number) << 8) + (head[1] as number) + (qos > 0 ? 2 : 0);
    if (head.length < length) return false;
    out.push(Buffer.from([this.header[0] as number, ...remainingLength(length)]), Buffer.from(head));
    this.header = [];
    const dropped = remaining - length;
    this.state = dropped > 0 ? { kind: 'skip', left: dropped } : FIXED_HEADER;
    this.trimmed++;
    this.onTrimmed?.(Buffer.from(head.slice(2, length - (qos > 0 ? 2 : 0))).toString('utf8'), remaining);
    return true;
  }
}

function remainingLength(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

/**
 * Puts a `PublishTrimmer` on what `socket` reads: net.Socket (and TLSSocket) hand each received chunk to `push`, the
 * Readable implementer's entry point, so the bytes are rewritten before anything buffers them. The write side is
 * not touched.
 */
export function trimReceivedPublishes(
  socket: { push(chunk: unknown, encoding?: BufferEncoding): boolean },
  trimmer: PublishTrimmer,
): void {
  const push = socket.push.bind(socket);
  socket.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (!Buffer.isBuffer(chunk)) return push(chunk, encoding);
    let wantsMore = true;
    for (const piece of trimmer.take(chunk)) wantsMore = push(piece);
    return wantsMore;
  };
}
