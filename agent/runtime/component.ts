import { DoorbellAgentError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/** One part of the running agent, with its own lifecycle (zigbee2mqtt's extensions, without the bus). */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  /** Releases what `start` took; called once, only after `start` resolved, in reverse start order. */
  stop(): Promise<void>;
}

/** A component could not start; the agent stopped the ones already running. */
export class ComponentFailed extends DoorbellAgentError {
  override name = 'ComponentFailed';
  constructor(
    readonly component: string,
    override readonly cause: unknown,
  ) {
    super(
      cause instanceof DoorbellAgentError ? cause.message : `${component} failed to start: ${String(cause)}`,
    );
  }
}

/** Components started in order and stopped in reverse; a failed start stops the others and names itself. */
export class Components {
  private readonly running: Component[] = [];

  constructor(private readonly log: Logger) {}

  async start(components: Component[]): Promise<void> {
    for (const component of components) {
      try {
        await component.start();
      } catch (error) {
        await this.stop();
        throw error instanceof ComponentFailed ? error : new ComponentFailed(component.name, error);
      }
      this.running.push(component);
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
