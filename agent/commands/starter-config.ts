import { stringify } from 'yaml';

/** A doorbell for a starter config: what `discover` heard or `setup` configured. */
export interface StarterDevice {
  id: string;
  name?: string;
  input: number;
  /** `host` or `host:port` (the HTTP API's port when not 80); absent when not known. */
  address?: string;
  chime?: { mode: 'mechanical' } | { mode: 'electronic'; duration_s: number };
  /** Why this input: a line of comment (`changed while discover listened`). */
  inputNote?: string;
}

export interface StarterOptions {
  /** Who wrote it: `discover`, `setup`. */
  by: string;
  /** The broker for `mqtt.url` (credentials left out: they go in username/password_file). */
  mqttUrl?: string;
  forward?: readonly string[];
  /** `coiot.port` when it is not 5683. */
  coiotPort?: number;
  now?: Date;
}

const scalar = (value: unknown) => stringify(value, { lineWidth: 0 }).trim();

/**
 * A commented configuration a user can read and finish: every choice is explained where it is made. `setup`
 * then edits it with the YAML Document API, so these comments (and the user's) stay.
 */
export function starterConfig(devices: readonly StarterDevice[], options: StarterOptions): string {
  const date = (options.now ?? new Date()).toISOString().slice(0, 10);
  const lines = [
    `# doorbell-agent configuration, started by \`doorbell-agent ${options.by}\` on ${date}.`,
    '# Every key and its default: README, "Configuration reference". Relative paths are taken from this folder.',
    '',
    '# One entry per doorbell: the Uni (its id, as in its MQTT topics) and the input the doorbell is wired to.',
    'devices:',
  ];
  if (devices.length === 0) {
    lines.push(
      '  [] # none heard: add { id: shellyuni-<MAC>, input: 0 }, or run doorbell-agent setup <address>',
    );
  }
  for (const d of devices) {
    lines.push(`  - id: ${scalar(d.id)}`);
    lines.push(`    name: ${scalar(d.name ?? d.id)} # shown in Home Assistant`);
    lines.push(`    input: ${d.input} # ${d.inputNote ?? '0 = IN_1, 1 = IN_2'}`);
    if (d.address !== undefined) {
      lines.push(
        `    address: ${scalar(d.address)} # CoIoT is accepted only from this address (:port = its HTTP API)`,
      );
    } else {
      lines.push('    # address: 192.168.1.31 # recommended: CoIoT is then accepted only from this address');
    }
    const chime = d.chime ?? { mode: 'mechanical' };
    lines.push(
      chime.mode === 'mechanical'
        ? '    chime: { mode: mechanical } # or { mode: electronic, duration_s: N } if the doorbell holds the line N s'
        : `    chime: { mode: electronic, duration_s: ${chime.duration_s} } # the doorbell holds the line this long per press`,
    );
  }
  // A section with nothing set stays a comment: `mqtt:` alone would be null, which is not a valid section.
  // Examples go above the keys: comments trailing a section would be read as part of it by YAML tools and
  // move about when the file is edited.
  const section = (name: string, set: string[], examples: string[]) =>
    set.length > 0
      ? [`${name}:`, ...examples.map((l) => `  # ${l}`), ...set.map((l) => `  ${l}`)]
      : [`# ${name}:`, ...examples.map((l) => `#   ${l}`)];
  const forward = options.forward ?? [];
  lines.push(
    '',
    '# Where rings go: the broker Home Assistant uses. Without a url the agent runs its own broker on :1883.',
    ...section('mqtt', options.mqttUrl === undefined ? [] : [`url: ${scalar(options.mqttUrl)}`], [
      ...(options.mqttUrl === undefined ? ['url: mqtt://homeassistant.local:1883'] : []),
      'username: doorbell',
      'password_file: /etc/doorbell-agent/mqtt-password',
    ]),
    '',
    '# CoIoT from Gen1 Unis: multicast needs nothing here. A Uni whose coiot_peer points at this agent is no longer',
    "# heard by Home Assistant's Shelly integration: list HA's CoIoT listener under forward and the agent resends",
    '# every datagram it accepts to it, unchanged.',
    ...section(
      'coiot',
      [
        ...(options.coiotPort === undefined ? [] : [`port: ${options.coiotPort}`]),
        ...(forward.length === 0 ? [] : [`forward: [${forward.map(scalar).join(', ')}]`]),
      ],
      [
        ...(options.coiotPort === undefined ? ['port: 5683'] : []),
        ...(forward.length === 0 ? ['forward: [192.168.1.10:5683]'] : []),
      ],
    ),
    '',
  );
  return lines.join('\n');
}
