import { type ConfigInput, configSchema } from '../../../agent/config/schema.ts';
import type { AgentEvent, ProblemEvent } from '../../../agent/core/events.ts';
import { silentLogger } from '../../../agent/core/logger.ts';
import { earliest } from '../../../agent/core/wake.ts';
import { Detector, MemoryChannelStore } from '../../../agent/detect/detector.ts';
import { channelsFrom, tuningFrom } from '../../../agent/detect/from-config.ts';
import { MemoryHealthStore } from '../../../agent/health/record.ts';
import type { HealthEvent } from '../../../agent/health/types.ts';
import { HealthRuntime } from '../../../agent/runtime/health-runtime.ts';
import { Pipeline } from '../../../agent/runtime/pipeline.ts';
import { encodeStatus, shuniValues } from '../../../simulator/emulator/coiot-encode.ts';

export const MAC = '98CDAC25ABCD';
export const DEVICE = `shellyuni-${MAC}`;

/**
 * The real pipeline (decoders, deduper, detector) and the health runtime on a virtual clock, fed with CoIoT bytes
 * exactly as a SHUNI-1 sends them and with Gen1 MQTT messages. Everything the agent decides lands in `events`.
 */
export class Bench {
  readonly events: AgentEvent[] = [];
  readonly health: HealthRuntime;
  readonly healthStore = new MemoryHealthStore();
  pipeline: Pipeline;
  clockMs = 0;

  constructor(input: ConfigInput) {
    const config = configSchema.parse(input);
    this.health = new HealthRuntime(config, this.healthStore, (events) => this.events.push(...events));
    this.pipeline = new Pipeline(
      new Detector(channelsFrom(config), new MemoryChannelStore(), tuningFrom(config)),
      silentLogger,
      this.health.start(0),
    );
  }

  /** Fires every detector and health timer due up to `ms`, in order. */
  advance(ms: number): void {
    const next = () => earliest(this.pipeline.detector.nextWakeMs(), this.health.nextWakeMs());
    for (let due = next(); due !== null && due <= ms; due = next()) {
      this.events.push(...this.pipeline.tick(due).rings);
      this.health.flush();
      this.health.tick(due);
    }
    this.clockMs = ms;
  }

  coiot(ms: number, bytes: Buffer): void {
    this.advance(ms);
    this.events.push(...this.pipeline.coiotDatagram(bytes, '192.168.1.51:5683', ms).rings);
    this.health.flush();
  }

  mqtt(ms: number, topic: string, payload: string): void {
    this.advance(ms);
    this.events.push(...this.pipeline.mqttMessage(topic, Buffer.from(payload), false, ms).rings);
    this.health.flush();
  }

  problems(kind?: string): ProblemEvent[] {
    return this.events.filter(
      (e): e is ProblemEvent => e.type === 'problem' && (kind === undefined || e.problem === kind),
    );
  }

  healthEvents(): HealthEvent[] {
    return this.events.filter((e): e is HealthEvent => e.type !== 'ring');
  }
}

/** An emulated SHUNI-1 input 0 as CoIoT sees it: serial +1 per new status, periodic copies keep it. */
export class UniCoiot {
  level = false;
  count = 0;
  event = '';
  serial = 1;
  messageId = 100;
  adcVolts = 0;

  constructor(private readonly mac = MAC) {}

  /** The current status, as a periodic re-send (same serial). */
  packet(): Buffer {
    return encodeStatus({
      deviceType: 'SHUNI-1',
      mac: this.mac,
      messageId: this.messageId++,
      serial: this.serial,
      values: shuniValues({
        inputs: [
          { level: this.level, event: this.event, count: this.count },
          { level: false, event: '', count: 0 },
        ],
        adcVolts: this.adcVolts,
      }),
    });
  }

  /** A changed status: the serial moves on (by more than one if reports were lost on the way). */
  change(update: Partial<Pick<UniCoiot, 'level' | 'count' | 'event' | 'adcVolts'>>, lost = 0): Buffer {
    Object.assign(this, update);
    this.serial = ((this.serial + 1 + lost - 1) % 0xffff) + 1;
    return this.packet();
  }
}
