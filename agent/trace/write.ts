import type { AgentEvent } from '../core/events.ts';

/** One output event as a JSONL line, times rounded to the microsecond so float noise never shows. */
export function formatEvent(event: AgentEvent): string {
  return JSON.stringify({ ...event, t: Math.round(event.t * 1e6) / 1e6 });
}
