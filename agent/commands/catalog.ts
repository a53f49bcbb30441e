/**
 * The commands as the top-level `--help` lists them, without loading any of them: `cli.ts` imports only the
 * command that runs (so `run` carries neither the simulator nor the other commands' dependencies, and `--help`
 * loads nothing but commander). Each command module takes its description from here.
 */
export interface CommandSummary {
  name: string;
  /** What `--help` prints after the name: `[options]` when it has options, then its arguments. */
  usage: string;
  description: string;
}

export const COMMANDS = [
  {
    name: 'run',
    usage: '[options]',
    description:
      'Listen to the Shellys (CoIoT on UDP 5683 and MQTT) and publish one ring per press: to Home Assistant\n' +
      '(MQTT discovery, an `event` entity with device_class doorbell) and to <base_topic>/<device>/ring.\n' +
      'With no mqtt.url configured, an embedded MQTT broker is started on port 1883.',
  },
  {
    name: 'replay',
    usage: '[options] <trace>',
    description:
      'Run the real decoders and detector over a recorded trace (JSONL, docs/trace-format.md) on a virtual\n' +
      'clock, and print what the agent decides (ring/problem/battery events, one JSON object per line).',
  },
  {
    name: 'wiring',
    usage: '',
    description:
      'Check doorbell → relay → Uni wiring with a SPICE model before installing it, or export it to CircuitJS.',
  },
  {
    name: 'demo',
    usage: '[options]',
    description:
      'The whole chain on this machine, no hardware and no configuration: an embedded MQTT broker, emulated\n' +
      'Shelly Unis on loopback, the agent, and a visitor pressing the doorbell through the SPICE model of the\n' +
      'wiring. Prints each ring as it is published, then a summary; exits 0 only if every press rang once.',
  },
  {
    name: 'emulate',
    usage: '[options]',
    description:
      'Run one emulated Shelly Uni on this machine, for trying Home Assistant, Node-RED, automations or any Shelly\n' +
      'client without hardware: Gen1 SHUNI-1 (CoIoT, MQTT, HTTP API) or Plus Uni (MQTT). Presses the doorbell on\n' +
      'a schedule, on Enter, or on SIGUSR1, and prints everything it sends.',
  },
  {
    name: 'status',
    usage: '[options]',
    description:
      'Show each doorbell: Shelly connection and last report, last ring, problems, battery (and its basis),\n' +
      'from what the agent last saved in its store (store.path).',
  },
  {
    name: 'discover',
    usage: '[options]',
    description:
      'Listen (never scan) for Shellys: CoIoT on the multicast group and the unicast port, and with --mqtt the\n' +
      'announce and online topics. Lists every Shelly heard with its id, model, address and firmware, marks the\n' +
      'Unis (*), and shows which inputs changed while listening: press the doorbell now to see its input.',
  },
  {
    name: 'setup',
    usage: '[options] <host[:port]>',
    description:
      'Set a Shelly Uni up for a doorbell over its own API (Gen1 HTTP with basic auth, Plus RPC with digest):\n' +
      'input mode, CoIoT peer or multicast, MQTT; shows every change and why, applies it after confirmation,\n' +
      'reads it back, reboots it when needed, and adds the device to the config file (keeping its comments).',
  },
  {
    name: 'test-press',
    usage: '[options]',
    description:
      "The installer's acceptance test: press the real doorbell, and see what arrived on each path (CoIoT, MQTT),\n" +
      'how long the input was held against the chime setting, and whether exactly one ring was decided. With the\n' +
      "agent running it reads the agent's rings from its broker; without, it listens itself and decides as the\n" +
      'agent would (the same decoders and detector, over what it heard).',
  },
  {
    name: 'ha-addon-config',
    usage: '[options]',
    description:
      "Write the agent's configuration from a Home Assistant add-on's options and the Supervisor's MQTT service\n" +
      '(used by the add-on; see contrib/homeassistant/).',
  },
] as const satisfies readonly CommandSummary[];

export type CommandName = (typeof COMMANDS)[number]['name'];

export function isCommandName(name: string): name is CommandName {
  return COMMANDS.some((c) => c.name === name);
}

/** The description `--help` shows for `name`, in the command list and on the command's own help. */
export function descriptionOf(name: CommandName): string {
  return (COMMANDS.find((c) => c.name === name) as CommandSummary).description;
}
