import { writeFileSync } from 'node:fs';
import type { AgentInput } from '../../agent/runtime/agent.ts';

/**
 * Records what the agent received, in the trace format (`docs/trace-format.md`), so a failing run
 * can be replayed with `doorbell-agent replay --config <cfg> <trace>`. Times are seconds from the first line.
 */
export class TraceRecorder {
  private readonly lines: string[] = [];
  private startMs: number | undefined;
  private lastT = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Pass as `AgentOptions.onInput`. */
  readonly record = (input: AgentInput): void => {
    const t = this.t(input.t);
    if (input.kind === 'coiot')
      this.lines.push(JSON.stringify({ t, kind: 'coiot', src: input.src, hex: input.bytes.toString('hex') }));
    else {
      const line: Record<string, unknown> = {
        t,
        kind: 'mqtt',
        topic: input.topic,
        payload: input.payload.toString('utf8'),
      };
      if (input.retain) line.retain = true;
      this.lines.push(JSON.stringify(line));
    }
  };

  agentRestart(): void {
    this.lines.push(JSON.stringify({ t: this.t(this.now()), kind: 'agent-restart' }));
  }

  /** The trace so far, closed by an `end` line at now (so replay fires every timer due by then). */
  text(): string {
    return `${[...this.lines, JSON.stringify({ t: this.t(this.now()), kind: 'end' })].join('\n')}\n`;
  }

  /** The clock time (ms) of `t` = 0: the first line. */
  get originMs(): number | undefined {
    return this.startMs;
  }

  get size(): number {
    return this.lines.length;
  }

  write(file: string): string {
    writeFileSync(file, this.text());
    return file;
  }

  /** Seconds from the start, microsecond resolution, never going back (callbacks may race by a microsecond). */
  private t(ms: number): number {
    this.startMs ??= ms;
    const t = Math.max(this.lastT, Math.round((ms - this.startMs) * 1000) / 1e6);
    this.lastT = t;
    return t;
  }
}
