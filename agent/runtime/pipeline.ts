import { InvalidDatagram } from '../core/errors.ts';
import type { ProblemEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Detector, DetectorOutput } from '../detect/detector.ts';
import type { DeviceNotice, Evidence } from '../detect/evidence.ts';
import { CoiotDeduper, type DedupeVerdict } from '../protocol/coiot-dedupe.ts';
import { type CoiotMessage, decodeCoiot } from '../protocol/coiot-packet.ts';
import { heardOf, matchResent, type Resent, rememberResent } from '../protocol/coiot-resends.ts';
import { knownSensorMap, type SensorMap } from '../protocol/coiot-sensors.ts';
import { decodeStatus } from '../protocol/coiot-status.ts';
import { decodeMqtt } from '../protocol/mqtt-gen2.ts';
import type { AddressPins } from '../security/address-pins.ts';
import type { SourceRateLimiter } from '../security/rate-limit.ts';
import { hostOf } from '../security/source-address.ts';
import { BadInputLog } from './bad-input.ts';
import { type Sender, Senders } from './coiot-senders.ts';
import { type PinCheckContext, pinAccepts } from './pin-check.ts';

export interface PipelineStats {
  datagrams: number;
  duplicates: number;
  stale: number;
  mqttMessages: number;
  retainedIgnored: number;
  unknownDevices: number;
  /** CoIoT datagrams dropped by the per-source rate limit. */
  rateLimited: number;
  /** CoIoT datagrams claiming a known device from another address than its pinned one. */
  spoofed: number;
}

/** Defences against forged and flooded CoIoT; both optional (tests of the decoders run without). */
export interface PipelineSecurity {
  pins?: AddressPins;
  limiter?: SourceRateLimiter;
}

export interface PipelineHooks {
  /**
   * A CoIoT datagram of a configured device, accepted past the rate limits and address pinning (copies
   * included), with its sender (`source` is `address:port`): live, `coiot.forward` sends it on unchanged and the
   * sender gets a socket of its own (`coiot.device_sockets`).
   */
  onCoiotAccepted?(bytes: Buffer, deviceId: string, nowMs: number, address: string, source: string): void;
  /** A CoIoT device heard for the first time (live: fetch its `/cit/d`). */
  onNewCoiotDevice?(deviceId: string, deviceType: string, host: string): void;
  onNotice?(notice: DeviceNotice, nowMs: number): void;
  /**
   * Every datagram or message of a configured device, copies included (health: a re-send is a sign of life). The
   * notice of a re-send is the one made when its datagram was remembered, the same object each time: never changed.
   */
  onHeard?(notice: DeviceNotice, nowMs: number): void;
  /**
   * `onHeard` bound to one configured device, asked for when a datagram of it is remembered and called for each of
   * its re-sends in place of `onHeard`, which looks the device up every time; it must do what `onHeard` does.
   */
  heardFrom?(device: string): ((notice: DeviceNotice, nowMs: number) => void) | undefined;
  /** What each piece of evidence (or a `tick`: `null`) did in the detector, for the health monitors. */
  onDetected?(evidence: Evidence | null, output: DetectorOutput, nowMs: number): void;
  /** A problem the pipeline itself raises (`spoofed`); live it goes through the outbox, `replay` prints it. */
  onProblem?(problem: ProblemEvent): void;
  /**
   * A configured device was pinned to `address` at first contact (`learnt`), or was heard from another address
   * than its pin (`moved`): live, verify over HTTP and call `pins.verified`/`pins.refuted`.
   */
  onAddressToVerify?(deviceId: string, address: string, reason: 'learnt' | 'moved'): void;
}

/**
 * The one path from bytes to decisions, shared by `run` and `replay`: decode → drop copies → detect.
 * No sockets and no timers: the caller passes the arrival time and schedules `tick` at `detector.nextWakeMs()`.
 */
export class Pipeline {
  readonly stats: PipelineStats = {
    datagrams: 0,
    duplicates: 0,
    stale: 0,
    mqttMessages: 0,
    retainedIgnored: 0,
    unknownDevices: 0,
    rateLimited: 0,
    spoofed: 0,
  };
  readonly badInput: BadInputLog;
  private readonly deduper = new CoiotDeduper();
  private readonly senders: Senders;
  private readonly pinReports: PinCheckContext;
  /**
   * False: every datagram is decoded and every check made again, nothing taken from what its sender's record
   * remembers (the differential test's plain path).
   */
  private readonly remembers: boolean;
  private readonly sensorMaps = new Map<string, SensorMap>();
  private readonly heardCoiot = new Set<string>();
  private readonly unknownLogged = new Set<string>();

  constructor(
    readonly detector: Detector,
    private readonly log: Logger,
    private readonly hooks: PipelineHooks = {},
    private readonly security: PipelineSecurity = {},
    options: { resendCache?: boolean } = {},
  ) {
    this.badInput = new BadInputLog(log);
    this.pinReports = { log, hooks, stats: this.stats };
    this.remembers = options.resendCache !== false;
    this.senders = new Senders(security.limiter?.maxSources ?? 4_096);
  }

  /** A `/cit/d` learnt for a device replaces the built-in table. */
  setSensorMap(deviceId: string, map: SensorMap): void {
    this.sensorMaps.set(deviceId, map);
  }

  coiotDatagram(bytes: Buffer, source: string, nowMs: number): DetectorOutput {
    const sender = this.admitCoiot(source, nowMs);
    return sender === null ? empty() : this.decideCoiot(bytes, source, sender, nowMs);
  }

  /**
   * The first half of `coiotDatagram`: counts the datagram and takes it through the rate limits; its sender's
   * record if it may go on to `decideCoiot`, null if it is dropped. Touches memory only, so `run` calls it before
   * opening the step's transaction: a flood costs no SQLite transaction per datagram.
   */
  admitCoiot(source: string, nowMs: number): Sender | null {
    return this.admitCoiotFrom(hostOf(source), nowMs);
  }

  /** `admitCoiot` for a sender whose address is known apart from its port (the live UDP listener). */
  admitCoiotFrom(address: string, nowMs: number): Sender | null {
    this.stats.datagrams++;
    const sender = this.senders.at(address, nowMs);
    const { limiter } = this.security;
    if (limiter && !limiter.take(sender, this.devicesAt(sender), nowMs)) {
      this.stats.rateLimited++;
      return null;
    }
    return sender;
  }

  /** The second half of `coiotDatagram`, for a datagram `admitCoiot` let through from `sender`. */
  decideCoiot(bytes: Buffer, source: string, sender: Sender, nowMs: number): DetectorOutput {
    const { pins } = this.security;
    const { address } = sender;
    try {
      // A re-send of the datagram last accepted from this address skips the decode; while no pin has moved since
      // it was accepted, also the pin check and the known-device checks, whose outcome it would repeat.
      let resent = this.remembers ? matchResent(sender.resent, bytes) : undefined;
      const revision = pins?.revision ?? 0;
      let message: CoiotMessage;
      if (resent !== undefined && resent.acceptedAt === revision) {
        message = resent.message;
        this.hooks.onCoiotAccepted?.(bytes, message.deviceId, nowMs, address, source);
      } else {
        message = resent?.message ?? decodeCoiot(bytes);
        if (resent === undefined && ignorable(message)) return empty();
        if (pins && !pinAccepts(pins, message.deviceId, address, nowMs, this.pinReports)) return empty();
        const configuredId = this.detector.configuredId(message.deviceId);
        if (configuredId === undefined) {
          this.noteUnknown(message.deviceId, 'coiot', source);
          return empty();
        }
        if (this.remembers && resent === undefined) {
          resent = rememberResent(bytes, configuredId) ?? undefined;
          sender.resent = resent;
          sender.heard = resent === undefined ? undefined : this.hooks.heardFrom?.(configuredId);
          if (resent !== undefined) message = resent.message;
        }
        this.hooks.onCoiotAccepted?.(bytes, message.deviceId, nowMs, address, source);
        if (!this.heardCoiot.has(message.deviceId)) {
          this.heardCoiot.add(message.deviceId);
          this.hooks.onNewCoiotDevice?.(message.deviceId, message.deviceType, address);
        }
        // After the pin check, which may have pinned the device here (a new revision).
        if (resent !== undefined) resent.acceptedAt = pins?.revision ?? 0;
      }
      if (resent === undefined) this.hooks.onHeard?.(heardOf(message), nowMs);
      else if (sender.heard !== undefined) sender.heard(resent.heard, nowMs);
      else this.hooks.onHeard?.(resent.heard, nowMs);
      const verdict = this.dedupe(message, resent, nowMs);
      if (verdict === 'duplicate') {
        this.stats.duplicates++;
        return empty();
      }
      if (verdict === 'stale') {
        this.stats.stale++;
        return empty();
      }
      const map = this.sensorMaps.get(message.deviceId) ?? knownSensorMap(message.deviceType);
      if (!map) {
        this.badInput.report('coiot', source, `no sensor table for ${message.deviceType}`, nowMs);
        return empty();
      }
      const status = decodeStatus(message, map);
      this.hooks.onNotice?.(status.notice, nowMs);
      return this.detect(status.evidence, nowMs);
    } catch (error) {
      if (!(error instanceof InvalidDatagram)) throw error;
      this.badInput.report('coiot', source, error.message, nowMs);
      return empty();
    }
  }

  mqttMessage(topic: string, payload: Buffer, retained: boolean, nowMs: number): DetectorOutput {
    this.stats.mqttMessages++;
    try {
      const decoded = decodeMqtt(topic, payload);
      if (!decoded) return empty();
      // A retained message is old news replayed at connect: it never rings and never moves a baseline.
      if (retained) {
        this.stats.retainedIgnored++;
        return empty();
      }
      for (const device of new Set([...decoded.notices, ...decoded.evidence].map((x) => x.device))) {
        if (this.detector.knows(device)) this.hooks.onHeard?.({ device, via: 'mqtt' }, nowMs);
      }
      for (const notice of decoded.notices) this.hooks.onNotice?.(notice, nowMs);
      const known = decoded.evidence.filter((e) => {
        if (this.detector.knows(e.device)) return true;
        this.noteUnknown(e.device, 'mqtt', topic);
        return false;
      });
      return this.detect(known, nowMs);
    } catch (error) {
      if (!(error instanceof InvalidDatagram)) throw error;
      this.badInput.report('mqtt', topic.split('/').slice(0, 2).join('/'), error.message, nowMs);
      return empty();
    }
  }

  /** Counted against its sender's bucket: the devices pinned there, counted again whenever a pin moved. */
  private devicesAt(sender: Sender): number {
    const { pins } = this.security;
    if (pins === undefined) return 1;
    const revision = pins.revision;
    if (sender.sizedAt !== revision || !this.remembers) {
      sender.devices = pins.devicesAt(sender.address);
      sender.sizedAt = revision;
    }
    return sender.devices;
  }

  /**
   * The de-duplicator's verdict. A remembered datagram's payload lies in the cache's own copy, which never changes:
   * the deduper may keep it without a copy, and know it again by its mark without a lookup.
   */
  private dedupe(message: CoiotMessage, resent: Resent | undefined, nowMs: number): DedupeVerdict {
    if (resent === undefined)
      return this.deduper.accept(message.deviceId, message.serial, message.payload, nowMs);
    const { dedupe } = resent;
    if (dedupe !== undefined && CoiotDeduper.repeats(dedupe, message.serial, message.payload))
      return 'duplicate';
    const verdict = this.deduper.accept(message.deviceId, message.serial, message.payload, nowMs, true);
    resent.dedupe = this.deduper.markOf(message.deviceId);
    return verdict;
  }

  tick(nowMs: number): DetectorOutput {
    const output = this.detector.tick(nowMs);
    if (output.rings.length > 0 || output.notes.length > 0) this.hooks.onDetected?.(null, output, nowMs);
    return output;
  }

  private detect(evidence: Evidence[], nowMs: number): DetectorOutput {
    const out: DetectorOutput = { rings: [], notes: [] };
    for (const item of evidence) {
      const result = this.detector.ingest(item, nowMs);
      this.hooks.onDetected?.(item, result, nowMs);
      out.rings.push(...result.rings);
      out.notes.push(...result.notes);
    }
    return out;
  }

  private noteUnknown(device: string, via: string, source: string): void {
    this.stats.unknownDevices++;
    if (this.unknownLogged.has(device) || this.unknownLogged.size > 1_024) return;
    this.unknownLogged.add(device);
    this.log.info('ignoring a device that is not in the config', { device, via, source });
  }
}

/** What most inputs decide (nothing), made once: the arrays are frozen, so a caller that appended would throw. */
const NOTHING: DetectorOutput = Object.freeze({
  rings: Object.freeze([]) as unknown as DetectorOutput['rings'],
  notes: Object.freeze([]) as unknown as DetectorOutput['notes'],
});

/** A 2.05 reply without a status (`G`), e.g. to our GET of `/cit/d`: no report to decide on. */
function ignorable(message: CoiotMessage): boolean {
  return message.code === '2.05' && message.path === '' && !message.payload.includes('"G"');
}

function empty(): DetectorOutput {
  return NOTHING;
}
