import { Command, InvalidArgumentError } from 'commander';
import type { MqttClient } from 'mqtt';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load.ts';
import { redactUrl } from '../config/redact.ts';
import type { Config, DeviceConfig } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import type { RingEvent } from '../core/events.ts';
import { silentLogger } from '../core/logger.ts';
import { coiotGetStatus } from '../io/coiot-get.ts';
import { startUdpListener, type UdpListener } from '../io/udp-listener.ts';
import { agentStatusTopic, ringTopic } from '../outputs/topics.ts';
import { replayTrace } from '../runtime/replay.ts';
import { agentBrokerUrl, connectAgentBroker } from './broker-client.ts';
import { descriptionOf } from './catalog.ts';
import { type CommandContext, DEFAULT_EXIT_CODES, exitCodeHelp, setExitCodes } from './context.ts';
import { pressReport, TEST_PRESS_EXIT_CODES } from './press-report.ts';
import { PressWatch } from './press-watch.ts';

export { TEST_PRESS_EXIT_CODES };

interface TestPressOptions {
  config?: string;
  device?: string;
  timeout: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long test-press waits for the Uni's own report before the press (CoIoT re-sends every 15 s). */
const BASELINE_WAIT_MS = 20_000;
/** After the press is over (its release, or where an electronic hold ends), how long late copies may come. */
const SETTLE_MS = 3_000;

export function testPressCommand(ctx: CommandContext): Command {
  const command = new Command('test-press')
    .description(descriptionOf('test-press'))
    .option('-c, --config <file>', `configuration file (default: ./${DEFAULT_CONFIG_FILE})`)
    .option('--device <id>', 'the doorbell to test (needed when the config has several)')
    .option('--timeout <s>', 'how long to wait for the press', parseSeconds, 60)
    .addHelpText('after', exitCodeHelp(TEST_PRESS_EXIT_CODES))
    .action(async (options: TestPressOptions) => {
      const config = loadConfig(options.config, process.env, { requireDevices: true });
      const device = pickDevice(config, options.device);
      const say = (line: string) => ctx.stdout.write(`${line}\n`);
      const startMs = Date.now();
      const watch = new PressWatch(device.id, device.input, (seen) =>
        say(`  ${((seen.t - startMs) / 1000).toFixed(1).padStart(5)} s  ${seen.via.padEnd(5)} ${seen.what}`),
      );
      const rings: RingEvent[] = [];
      let firstRingMs: number | undefined;
      const trace: string[] = [];
      const at = () => (Date.now() - startMs) / 1000;

      const client = await connectAgentBroker(config, `doorbell-agent-test-press-${process.pid}`);
      client?.on('error', () => {});
      const agentRunning = client !== null && (await agentOnline(client, config));
      let udp: UdpListener | undefined;
      try {
        if (client) {
          client.on('message', (topic, payload, packet) => {
            if (topic === ringTopic(config.mqtt.base_topic, device)) {
              let ring: RingEvent;
              try {
                ring = JSON.parse(payload.toString()) as RingEvent;
              } catch {
                return;
              }
              if (ring.input !== device.input) return;
              rings.push({ ...ring, type: 'ring' });
              firstRingMs ??= Date.now();
              say(`  ${at().toFixed(1).padStart(5)} s  ring  via ${ring.via}, press_id ${ring.press_id}`);
              return;
            }
            watch.mqtt(topic, payload, packet.retain, Date.now());
            if (!agentRunning)
              trace.push(
                JSON.stringify({
                  t: at(),
                  kind: 'mqtt',
                  topic,
                  payload: payload.toString(),
                  retain: packet.retain,
                }),
              );
          });
          await client.subscribeAsync(
            [
              ...shellyTopics(config, device),
              ...(agentRunning ? [ringTopic(config.mqtt.base_topic, device)] : []),
            ],
            { qos: 1 },
          );
        }
        if (!agentRunning && config.coiot.enabled) {
          udp = await startUdpListener({
            host: config.coiot.listen,
            port: config.coiot.port,
            group: config.coiot.multicast ? config.coiot.multicast_group : null,
            interfaceAddress: config.coiot.interface,
            log: silentLogger,
            onDatagram: (bytes, src) => {
              watch.coiot(bytes, Date.now());
              trace.push(JSON.stringify({ t: at(), kind: 'coiot', src, hex: bytes.toString('hex') }));
            },
          });
          // The Uni's state now, so the press is a change from it (as the running agent would know it).
          if (device.gen === 'gen1' && device.address !== undefined) {
            const status = await coiotGetStatus(device.address);
            if (status) {
              watch.coiot(status, Date.now());
              trace.push(
                JSON.stringify({
                  t: at(),
                  kind: 'coiot',
                  src: `${device.address}:5683`,
                  hex: status.toString('hex'),
                }),
              );
            }
          }
        }
        if (!agentRunning) await baseline(watch, say, Math.min(BASELINE_WAIT_MS, options.timeout * 1000));
        say(
          agentRunning
            ? `the agent is running: reading its rings from ${redactUrl(agentBrokerUrl(config))}`
            : `the agent is not running: listening myself (CoIoT UDP ${udp?.port ?? 'off'}` +
                `${client ? `, MQTT ${redactUrl(agentBrokerUrl(config))}` : ', no broker'}) and deciding as the agent would`,
        );
        say(
          `press the doorbell now (${device.name === device.id ? '' : `${device.name}: `}${device.id} input ` +
            `${device.input}; waiting up to ${options.timeout} s)`,
        );
        const deadline = startMs + options.timeout * 1000;
        for (;;) {
          const now = Date.now();
          const doneAt = settledAt(watch, firstRingMs, device);
          if (now >= deadline || (doneAt !== undefined && now >= doneAt)) break;
          await sleep(100);
        }
      } finally {
        await udp?.close();
        await client?.endAsync(true).catch(() => {});
      }
      if (!agentRunning) {
        trace.push(JSON.stringify({ t: at(), kind: 'end' }));
        await replayTrace({
          config,
          lines: trace,
          emit: (event) => {
            if (event.type === 'ring' && event.device === device.id && event.input === device.input)
              rings.push(event);
          },
          warn: () => {},
          log: silentLogger,
        });
      }
      const report = pressReport({
        watch,
        device,
        rings,
        decidedBy: agentRunning ? 'agent' : 'test-press',
        observable: { coiot: !agentRunning && udp !== undefined, mqtt: client !== null },
        toleranceS: config.detector.electronic_tolerance_s,
        startMs,
      });
      say('');
      for (const line of report.lines) say(line);
      ctx.exitCode = report.code;
    });
  return setExitCodes(command, DEFAULT_EXIT_CODES);
}

/**
 * The agent knows a Uni's state before a press; test-press on its own must hear it first, or the press would be
 * its first contact (its edge not rung, only recovered from the counter). A CoAP GET may have answered already;
 * otherwise the Uni's next periodic report (every 15 s) is awaited.
 */
async function baseline(watch: PressWatch, say: (line: string) => void, waitMs: number): Promise<void> {
  const heard = () => watch.heard.coiot + watch.heard.mqtt > 0;
  if (heard()) return;
  say(
    `waiting for the Uni's next report (up to ${Math.round(waitMs / 1000)} s), so that the press is a change from its state`,
  );
  for (const end = Date.now() + waitMs; !heard() && Date.now() < end; ) await sleep(100);
  if (!heard()) say('nothing from the Uni yet: press anyway');
}

function pickDevice(config: Config, id: string | undefined): DeviceConfig {
  const matching = config.devices.filter((d) => id === undefined || d.id === id);
  if (matching.length === 1) return matching[0] as DeviceConfig;
  const known = config.devices.map((d) => `${d.id}#${d.input}`).join(', ');
  if (matching.length === 0) throw new UsageError(`--device ${id}: not in the config (it has ${known})`);
  throw new UsageError(
    `${id === undefined ? 'the config has several doorbells' : `${id} has several inputs`}: ${known}; name one with --device`,
  );
}

/** Is the agent's retained birth `online` on the broker? */
async function agentOnline(client: MqttClient, config: Config): Promise<boolean> {
  const topic = agentStatusTopic(config.mqtt.base_topic);
  let status = '';
  const listener = (t: string, payload: Buffer) => {
    if (t === topic) status = payload.toString();
  };
  client.on('message', listener);
  await client.subscribeAsync(topic, { qos: 1 });
  // A retained message follows the SUBACK at once; give it a moment.
  for (let i = 0; i < 10 && status === ''; i++) await sleep(50);
  client.off('message', listener);
  await client.unsubscribeAsync(topic);
  return status === 'online';
}

function shellyTopics(config: Config, device: DeviceConfig): string[] {
  if (device.gen === 'gen2') return [`${device.id}/events/rpc`, `${device.id}/online`];
  const base = `${config.shelly_mqtt.gen1_prefix}/${device.id}`;
  return [`${base}/input/+`, `${base}/input_event/+`, `${base}/online`];
}

/** When the press is over and late copies have had their time; undefined while no press was heard. */
function settledAt(
  watch: PressWatch,
  firstRingMs: number | undefined,
  device: DeviceConfig,
): number | undefined {
  const pressMs = watch.pressMs ?? firstRingMs;
  if (pressMs === undefined) return undefined;
  const holdMs = device.chime.mode === 'electronic' ? device.chime.duration_s * 1000 : 0;
  const end = watch.releaseMs ?? pressMs + holdMs + 2_000;
  return Math.max(end, pressMs + holdMs) + SETTLE_MS;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}
