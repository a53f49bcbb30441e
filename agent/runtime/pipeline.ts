import { InvalidDatagram } from '../core/errors.ts';
import type { ProblemEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Detector, DetectorOutput } from '../detect/detector.ts';
import type { DeviceNotice, Evidence } from '../detect/evidence.ts';
import { CoiotDeduper } from '../protocol/coiot-dedupe.ts';
import { type CoiotMessage, decodeCoiot } from '../protocol/coiot-packet.ts';
import { CoiotResends } from '../protocol/coiot-resends.ts';
import { knownSensorMap, type SensorMap } from '../protocol/coiot-sensors.ts';
import { decodeStatus } from '../protocol/coiot-status.ts';
import { decodeMqtt } from '../protocol/mqtt-gen2.ts';
import type { AddressPins } from '../security/address-pins.ts';
import type { SourceRateLimiter } from '../security/rate-limit.ts';
import { hostOf } from '../security/source-address.ts';
import { BadInputLog } from './bad-input.ts';

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
  /** Every datagram or message of a configured device, copies included (health: a re-send is a sign of life). */
  onHeard?(notice: DeviceNotice, nowMs: number): void;
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
  /** Null: every datagram is decoded (the differential test's plain path). */
  private readonly resends: CoiotResends | null;
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
    this.resends = options.resendCache === false ? null : new CoiotResends();
  }

  /** A `/cit/d` learnt for a device replaces the built-in table. */
  setSensorMap(deviceId: string, map: SensorMap): void {
    this.sensorMaps.set(deviceId, map);
  }

  coiotDatagram(bytes: Buffer, source: string, nowMs: number): DetectorOutput {
    const address = this.admitCoiot(source, nowMs);
    return address === null ? empty() : this.decideCoiot(bytes, source, address, nowMs);
  }

  /**
   * The first half of `coiotDatagram`: counts the datagram and takes it through the rate limits; the source's
   * address if it may go on to `decideCoiot`, null if it is dropped. Touches memory only, so `run` calls it before
   * opening the step's transaction: a flood costs no SQLite transaction per datagram.
   */
  admitCoiot(source: string, nowMs: number): string | null {
    const address = hostOf(source);
    return this.admitCoiotFrom(address, nowMs) ? address : null;
  }

  /** `admitCoiot` for a sender whose address is known apart from its port (the live UDP listener). */
  admitCoiotFrom(address: string, nowMs: number): boolean {
    this.stats.datagrams++;
    const { pins, limiter } = this.security;
    if (limiter && !limiter.allow(address, pins?.devicesAt(address) ?? 1, nowMs)) {
      this.stats.rateLimited++;
      return false;
    }
    return true;
  }

  /** The second half of `coiotDatagram`, for a datagram `admitCoiot` let through from `address`. */
  decideCoiot(bytes: Buffer, source: string, address: string, nowMs: number): DetectorOutput {
    const { pins } = this.security;
    const { resends } = this;
    try {
      // A re-send of the datagram last accepted from this address skips the decode; while no pin has moved since
      // it was accepted, also the pin check and the known-device checks, whose outcome it would repeat.
      let resent = resends?.match(address, bytes);
      const revision = pins?.revision ?? 0;
      let message: CoiotMessage;
      if (resent !== undefined && resent.acceptedAt === revision) {
        message = resent.message;
        this.hooks.onCoiotAccepted?.(bytes, message.deviceId, nowMs, address, source);
      } else {
        message = resent?.message ?? decodeCoiot(bytes);
        if (resent === undefined && ignorable(message)) return empty();
        if (pins && !this.pinAccepts(pins, message.deviceId, address, nowMs)) return empty();
        if (!this.detector.knows(message.deviceId)) {
          this.noteUnknown(message.deviceId, 'coiot', source);
          return empty();
        }
        if (resends !== null && resent === undefined) {
          resent = resends.remember(address, bytes) ?? undefined;
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
      // The payload lies in the cache's own copy, which never changes: the deduper may keep it without a copy.
      const cached = resent !== undefined;
      this.hooks.onHeard?.(
        { device: message.deviceId, via: 'coiot', serial: message.serial, validityS: message.validityS },
        nowMs,
      );
      const verdict = this.deduper.accept(message.deviceId, message.serial, message.payload, nowMs, cached);
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

  /** The pin check; false = drop the datagram (spoofed, or unknown). */
  private pinAccepts(pins: AddressPins, deviceId: string, address: string, nowMs: number): boolean {
    const verdict = pins.check(deviceId, address, nowMs);
    switch (verdict.kind) {
      case 'accept':
        return true;
      case 'learnt':
        this.log.info('device pinned to its first address', { device: deviceId, address });
        this.hooks.onAddressToVerify?.(deviceId, address, 'learnt');
        return true;
      case 'unknown':
        if (verdict.discovered)
          this.log.info('discovered a device that is not in the config', { device: deviceId, address });
        return true; // counted as unknown below
      case 'spoofed':
        this.stats.spoofed++;
        if (verdict.raise) {
          this.log.warn('CoIoT datagram for a device from another address: dropped', {
            device: deviceId,
            address,
            pinned: verdict.pinned,
          });
          this.hooks.onProblem?.({
            type: 'problem',
            t: nowMs / 1000,
            device: deviceId,
            problem: 'spoofed',
            on: true,
            detail: `CoIoT from ${address}, device pinned to ${verdict.pinned}`,
          });
        }
        if (verdict.verify) this.hooks.onAddressToVerify?.(deviceId, address, 'moved');
        return false;
    }
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
