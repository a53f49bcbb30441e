/**
 * The longest line a trace can need: a CoIoT datagram of 64 KiB as hex is 128 KiB, and the agent refuses MQTT
 * payloads past 16 KiB. A longer line is not a trace line; reading it whole would only spend memory (a 600 MB line
 * ended `replay` in a `RangeError` from Node's readline).
 */
export const MAX_TRACE_LINE_BYTES = 1024 * 1024;

/** A line longer than the bound: skipped unread, only its length kept. */
export interface OverlongLine {
  overlongBytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into lines (`\n` or `\r\n`, UTF-8), as `readline` does, but holds at most `maxBytes` of a
 * line: a longer one is dropped as it streams by and yielded as an `OverlongLine`, so the line numbers still count it.
 */
export async function* traceLines(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxBytes = MAX_TRACE_LINE_BYTES,
): AsyncGenerator<string | OverlongLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let overlong = 0;
  const take = (piece: Buffer) => {
    if (overlong > 0 || held + piece.length > maxBytes) {
      overlong += held + piece.length;
      parts = [];
      held = 0;
    } else if (piece.length > 0) {
      parts.push(piece);
      held += piece.length;
    }
  };
  const finish = (): string | OverlongLine => {
    const line: string | OverlongLine =
      overlong > 0 ? { overlongBytes: overlong } : withoutCarriageReturn(Buffer.concat(parts, held));
    parts = [];
    held = 0;
    overlong = 0;
    return line;
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let from = 0;
    for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, from)) {
      take(bytes.subarray(from, end));
      yield finish();
      from = end + 1;
    }
    take(bytes.subarray(from));
  }
  if (held > 0 || overlong > 0) yield finish();
}

function withoutCarriageReturn(line: Buffer): string {
  const end = line.at(-1) === CARRIAGE_RETURN ? line.length - 1 : line.length;
  return line.toString('utf8', 0, end);
}
