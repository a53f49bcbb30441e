import type { ProblemEvent, RingEvent } from '../../agent/core/events.ts';
import type { OutboxEvent } from '../../agent/store/outbox.ts';

/** Ring `n` of one Uni; its press id an arrival time unless given (a counter id: `…:0:c<N>@<epoch>`). */
export function ring(n: number, pressId = `shellyuni-98CDAC25ABCD:0:${n * 1000}`): RingEvent {
  return {
    type: 'ring',
    t: n,
    device: 'shellyuni-98CDAC25ABCD',
    input: 0,
    press_id: pressId,
    chime: 'mechanical',
    hold_s: null,
    via: 'coiot',
    recovered: false,
  };
}

export function problem(n: number): ProblemEvent {
  return {
    type: 'problem',
    t: n,
    device: 'shellyuni-98CDAC25ABCD',
    problem: 'spoofed',
    on: true,
    detail: `#${n}`,
  };
}

/** A broker stand-in for the outbox's `send`, whose PUBACKs (or failures) the test releases by hand. */
export function manualBroker() {
  const pending: Array<{ event: OutboxEvent; ack: () => void; fail: (e: Error) => void }> = [];
  const acked: OutboxEvent[] = [];
  return {
    pending,
    acked,
    send: (event: OutboxEvent) =>
      new Promise<void>((resolve, reject) =>
        pending.push({
          event,
          ack: () => {
            acked.push(event);
            resolve();
          },
          fail: reject,
        }),
      ),
    ackAll() {
      for (const p of pending.splice(0)) p.ack();
    },
  };
}
