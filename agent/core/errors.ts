/** Base of every error the agent raises on purpose; anything else is a bug. */
export class DoorbellAgentError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    // Every subclass is named after itself, without repeating its name in a field.
    this.name = new.target.name;
  }
}

/** A datagram or message that is not what a Shelly sends. The only error decoders throw. */
export class InvalidDatagram extends DoorbellAgentError {}

/** Configuration that cannot be used; `problems` holds one line per offending key. */
export class ConfigError extends DoorbellAgentError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A configuration file that cannot be read at all: one line, which is also its only problem. */
export class ConfigFileError extends ConfigError {
  constructor(file: string, problem: string) {
    super(file, [problem]);
    this.message = problem;
  }
}

/** Bad arguments: a file named on the command line that is not there, an option value that cannot be used. */
export class UsageError extends DoorbellAgentError {}

/** Where a listening socket's address and port come from: config keys (`coiot.listen`) or options (`--http`). */
export interface SocketSettings {
  /** What listens, for people: `CoIoT (UDP)`, `metrics server (TCP)`. */
  what: string;
  hostKey: string;
  portKey: string;
  /** Said when the port is in use: who else usually holds it. */
  usualSuspect?: string;
  /** Another way out when the port is in use, said last. */
  alternative?: string;
}

/**
 * A listening socket could not be opened: one line naming the setting that owns the address or port and what to
 * do. The system error code stays at the end, for searching.
 */
export class SocketError extends DoorbellAgentError {
  constructor(
    readonly settings: SocketSettings,
    readonly host: string,
    readonly port: number,
    readonly code: string,
    detail: string,
  ) {
    super(socketMessage(settings, host, port, code, detail));
  }
}

function socketMessage(s: SocketSettings, host: string, port: number, code: string, detail: string): string {
  const at = `${host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return (
        `${s.portKey}: port ${port} on ${host} is already in use by another program` +
        `${s.usualSuspect ? ` (${s.usualSuspect}?)` : ''}, so the ${s.what} cannot listen there. ` +
        `Stop that program, or set ${s.portKey} to a free port${s.alternative ? `, ${s.alternative}` : ''} (EADDRINUSE)`
      );
    case 'EACCES':
    case 'EPERM':
      return (
        `${s.portKey}: not allowed to listen on port ${port} (${code}): ports below 1024 need root or ` +
        `CAP_NET_BIND_SERVICE. Set ${s.portKey} to 1024 or above, or grant the capability`
      );
    case 'EADDRNOTAVAIL':
      return (
        `${s.hostKey}: ${host} is not an address of this machine, so the ${s.what} cannot listen on it. ` +
        `Set ${s.hostKey} to one of its addresses, or 0.0.0.0 for all (EADDRNOTAVAIL)`
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return (
        `${s.hostKey}: cannot resolve "${host}" for the ${s.what}. ` +
        `Set ${s.hostKey} to an IP address of this machine, or 0.0.0.0 for all (${code})`
      );
    default:
      return `${s.hostKey}/${s.portKey}: the ${s.what} cannot listen on ${at}: ${detail} (${code})`;
  }
}

/** `error` as a `SocketError` when it is a system error of opening a socket, else unchanged. */
export function socketError(error: unknown, settings: SocketSettings, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!(error instanceof Error) || typeof code !== 'string' || !/^E[A-Z_]+$/.test(code)) return error;
  return new SocketError(settings, host, port, code, error.message);
}
