import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../agent/core/logger.ts';
import { type Component, ComponentFailed, Components } from '../../../agent/runtime/component.ts';

/** A component that records its lifecycle; `waits` makes its start wait until aborted (a broker that never answers). */
function fake(name: string, events: string[], waits = false): Component {
  return {
    name,
    start: (signal) =>
      new Promise<void>((resolve, reject) => {
        events.push(`start ${name}`);
        if (!waits) return resolve();
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    stop: async () => {
      events.push(`stop ${name}`);
    },
  };
}

describe('Components', () => {
  it('gives up a start that waits when the stop is requested, stops what already runs, rejects with the reason', async () => {
    const events: string[] = [];
    const components = new Components(silentLogger);
    const controller = new AbortController();
    const starting = components.start(
      [fake('coiot', events), fake('mqtt', events, true), fake('later', events)],
      controller.signal,
    );
    await new Promise((r) => setTimeout(r, 10));
    const reason = new Error('stopped by SIGTERM');
    controller.abort(reason);
    await expect(starting).rejects.toBe(reason);
    expect(events).toEqual(['start coiot', 'start mqtt', 'stop coiot']);
  });

  it('stops a component that finished starting as the stop was requested', async () => {
    const events: string[] = [];
    const components = new Components(silentLogger);
    const controller = new AbortController();
    const last: Component = {
      name: 'last',
      start: async () => {
        events.push('start last');
        controller.abort(new Error('stop'));
      },
      stop: async () => {
        events.push('stop last');
      },
    };
    await expect(components.start([fake('first', events), last], controller.signal)).rejects.toThrow('stop');
    expect(events).toEqual(['start first', 'start last', 'stop last', 'stop first']);
  });

  it('names the component that failed to start', async () => {
    const components = new Components(silentLogger);
    const broken: Component = {
      name: 'metrics',
      start: async () => {
        throw new Error('EADDRINUSE');
      },
      stop: async () => {},
    };
    const error = await components.start([broken]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComponentFailed);
    expect((error as ComponentFailed).component).toBe('metrics');
  });
});
