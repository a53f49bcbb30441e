/** Base of every error the agent raises on purpose; anything else is a bug. */
export class DoorbellAgentError extends Error {
  override name = 'DoorbellAgentError';
}

/** A datagram or message that is not what a Shelly sends. The only error decoders throw. */
export class InvalidDatagram extends DoorbellAgentError {
  override name = 'InvalidDatagram';
}

/** Configuration that cannot be used; `problems` holds one line per offending key. */
export class ConfigError extends DoorbellAgentError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
