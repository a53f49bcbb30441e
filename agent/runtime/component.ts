import { DoorbellAgentError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/** One part of the running agent, with its own lifecycle (zigbee2mqtt's extensions, without the bus). */
export interface Component {
  readonly name: string;
  /**
   * Takes what the component needs. A start that can wait (for a broker, say) gives up when `signal` aborts,
   * releasing what it took and rejecting with `signal.reason`.
   */
  start(signal?: AbortSignal): Promise<void>;
  /** Releases what `start` took; called once, only after `start` resolved, in reverse start order. */
  stop(): Promise<void>;
}

/** A component could not start; the agent stopped the ones already running. */
export class ComponentFailed extends DoorbellAgentError {
  constructor(
    readonly component: string,
    override readonly cause: unknown,
  ) {
    super(
      cause instanceof DoorbellAgentError ? cause.message : `${component} failed to start: ${String(cause)}`,
    );
  }
}

/**
 * Components started in order and stopped in reverse; a failed start stops the others and names itself. A stop
 * requested while starting (`signal` aborted) stops the ones already running and rejects with `signal.reason`.
 */
export class Components {
  private readonly running: Component[] = [];

  constructor(private readonly log: Logger) {}

  async start(components: Component[], signal?: AbortSignal): Promise<void> {
    for (const component of components) {
      try {
        signal?.throwIfAborted();
        await component.start(signal);
      } catch (error) {
        await this.stop();
        if (signal?.aborted) throw signal.reason;
        throw error instanceof ComponentFailed ? error : new ComponentFailed(component.name, error);
      }
      this.running.push(component);
    }
    if (signal?.aborted) {
      await this.stop();
      throw signal.reason;
    }
  }

  async stop(): Promise<void> {
    for (const component of this.running.splice(0).reverse()) {
      await component
        .stop()
        .catch((error: unknown) =>
          this.log.warn('stop', { component: component.name, error: String(error) }),
        );
    }
  }
}
