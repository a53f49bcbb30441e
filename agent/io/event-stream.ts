import type { ServerResponse } from 'node:http';

/** One server-sent event: its name and its data (one line of JSON). */
export interface ServerEvent {
  event: string;
  data: unknown;
}

/**
 * Server-sent events (`text/event-stream`) to every open page: `attach` takes over a response, `send` writes to
 * all of them. A comment every `heartbeatMs` keeps proxies (Home Assistant's ingress) from closing an idle
 * stream; at most `maxClients` streams are open at once (more get 503), so a page left open in many tabs
 * cannot exhaust the agent.
 */
export class EventStreamHub {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: { heartbeatMs: number; maxClients: number; retryMs: number } = {
      heartbeatMs: 20_000,
      maxClients: 32,
      retryMs: 3_000,
    },
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Opens the stream on `response` and writes `first` (the current state) to it alone. */
  attach(response: ServerResponse, first: ServerEvent[]): void {
    if (this.clients.size >= this.options.maxClients) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '10' });
      response.end('too many open status pages\n');
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${this.options.retryMs}\n\n`);
    for (const event of first) response.write(frame(event));
    this.clients.add(response);
    response.on('close', () => {
      this.clients.delete(response);
      if (this.clients.size === 0) this.stopHeartbeat();
    });
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  send(event: ServerEvent): void {
    if (this.clients.size > 0) this.write(frame(event));
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    this.stopHeartbeat();
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const client of this.clients) client.write(text);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/** JSON never contains a raw newline, so one `data:` line carries the whole event. */
function frame(event: ServerEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
