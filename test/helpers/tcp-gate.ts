import net from 'node:net';

/**
 * A TCP forwarder in front of a server that the test can shut like an outage: `cut()` drops every connection
 * through it and refuses new ones (the port is closed), `restore()` listens on the same port again. A client
 * behind it sees exactly what a server restart shows it, while the server itself (a broker with its subscribers'
 * sessions) keeps running.
 */
export class TcpGate {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private listenPort = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async open(target: { host: string; port: number }): Promise<TcpGate> {
    const gate = new TcpGate(target.host, target.port);
    await gate.restore();
    return gate;
  }

  get port(): number {
    return this.listenPort;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.listenPort}`;
  }

  /** Listens again (on the port it had, once it had one). */
  restore(): Promise<void> {
    if (this.server) return Promise.resolve();
    const server = net.createServer((client) => this.forward(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => {
        this.listenPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Drops every connection and stops listening. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private forward(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
