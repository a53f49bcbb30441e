import type { Config } from '../config/schema.ts';
import type { AgentEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import { type ChannelStore, type DetectorOutput, MemoryChannelStore } from '../detect/detector.ts';
import { MemoryHealthStore } from '../health/record.ts';
import { MAX_TRACE_LINE_BYTES, type OverlongLine } from '../trace/lines.ts';
import { parseTraceLine, type TraceLine } from '../trace/read.ts';
import { buildDecisionGraph } from './decision-graph.ts';
import { HealthRuntime } from './health-runtime.ts';
import { pinsFrom } from './security-setup.ts';

export interface ReplayOptions {
  config: Config;
  /** The trace's lines; a line too long to be one (`traceLines`) is reported and skipped. */
  lines: AsyncIterable<string | OverlongLine> | Iterable<string>;
  emit(event: AgentEvent): void;
  /** Problems with the trace itself (bad lines), with their line number. */
  warn(message: string): void;
  log: Logger;
  store?: ChannelStore;
}

export interface ReplaySummary {
  lines: number;
  skipped: number;
  rings: number;
  restarts: number;
}

/**
 * Runs a trace through the same `Pipeline` the live agent uses, on a virtual clock: every timer the detector
 * asks for fires at its own time, between the lines, in order. `agent-restart` throws away everything in
 * memory and keeps only the store.
 */
export async function replayTrace(options: ReplayOptions): Promise<ReplaySummary> {
  const channels = options.store ?? new MemoryChannelStore();
  // Address pins are persisted live, so they outlive an `agent-restart`; in a trace, first contact pins.
  const pins = pinsFrom(options.config);
  // Health state (press counts, battery charge) outlives an `agent-restart` like the channel store does.
  const health = new HealthRuntime(options.config, new MemoryHealthStore(), (events) => {
    for (const event of events) options.emit(event);
  });
  const start = (atMs: number) =>
    buildDecisionGraph({
      config: options.config,
      log: options.log,
      channels,
      health,
      pins,
      hooks: { onProblem: (problem) => options.emit(problem) },
      startMs: atMs,
    });
  let graph = start(0);
  const summary: ReplaySummary = { lines: 0, skipped: 0, rings: 0, restarts: 0 };
  let clockMs = 0;

  const publish = (output: DetectorOutput) => {
    for (const ring of output.rings) {
      summary.rings++;
      options.emit(ring);
    }
    health.flush();
  };
  const advanceTo = (ms: number) => {
    for (let due = graph.nextWakeMs(); due !== null && due <= ms; due = graph.nextWakeMs()) {
      publish(graph.tick(due));
    }
    clockMs = ms;
  };

  let lineNumber = 0;
  for await (const text of options.lines) {
    lineNumber++;
    if (typeof text !== 'string') {
      summary.lines++;
      summary.skipped++;
      options.warn(
        `line ${lineNumber}: ${text.overlongBytes} bytes, longer than any trace line (${MAX_TRACE_LINE_BYTES} at most); skipped`,
      );
      continue;
    }
    const parsed = parseTraceLine(text);
    if (parsed === null) continue;
    summary.lines++;
    if (!parsed.ok) {
      summary.skipped++;
      options.warn(`line ${lineNumber}: ${parsed.reason}; skipped`);
      continue;
    }
    const line: TraceLine = parsed.line;
    const atMs = Math.round(line.t * 1e6) / 1e3;
    if (atMs < clockMs) {
      summary.skipped++;
      options.warn(`line ${lineNumber}: t=${line.t} goes back in time; skipped`);
      continue;
    }
    advanceTo(atMs);
    switch (line.kind) {
      case 'coiot':
        publish(graph.pipeline.coiotDatagram(line.bytes, line.src, atMs));
        break;
      case 'mqtt':
        publish(graph.pipeline.mqttMessage(line.topic, line.payload, line.retain, atMs));
        break;
      case 'agent-restart':
        summary.restarts++;
        graph = start(atMs);
        break;
      case 'end':
        return summary;
    }
  }
  return summary;
}
