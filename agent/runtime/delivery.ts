import type { ProblemEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import { isStorageFailure } from '../core/storage-failure.ts';
import type { DetectorOutput } from '../detect/detector.ts';
import type { SqliteStore } from '../store/channel-store.ts';
import { Outbox, type OutboxEvent } from '../store/outbox.ts';

/**
 * The delivery guarantee, owned here and nowhere else:
 *
 *  1. A step (one datagram, one MQTT message, one timer) runs in one SQLite transaction: the detector state that
 *     says a press was rung, the health state, and the outbox rows of the rings and problems the step raised commit
 *     together or not at all. A crash can never leave a press marked as rung without its ring queued.
 *  2. A row leaves the outbox only when the broker acknowledged its PUBLISH (QoS 1 PUBACK); until then it survives
 *     broker outages and restarts and goes out again with its original `t` and `press_id` (at least once:
 *     subscribers de-duplicate on `press_id`).
 *  3. When the disk refuses the commit (full, I/O error), what the step decided still goes out, from memory; only
 *     a crash before its PUBACK can then lose it.
 *
 * Problems raised outside a step (address verification) get a transaction of their own.
 */
export class Delivery {
  readonly outbox: Outbox;
  private readonly afterStep: () => void;
  private stepProblems: ProblemEvent[] = [];
  private readonly connected: Promise<void>;
  private markConnected: () => void = () => {};
  private closed = false;

  constructor(
    private readonly store: SqliteStore,
    private readonly log: Logger,
    options: {
      maxEntries: number;
      /** Publishes one event; resolves on its PUBACK. Called only after `open()`. */
      send(event: OutboxEvent): Promise<void>;
      /** Runs inside each step's transaction, after its rings were queued (the health monitors' events). */
      afterStep(): void;
    },
  ) {
    this.connected = new Promise((resolve) => {
      this.markConnected = resolve;
    });
    this.afterStep = options.afterStep;
    this.outbox = new Outbox(store.database, {
      maxEntries: options.maxEntries,
      log,
      send: async (event) => {
        await this.connected;
        await options.send(event);
      },
    });
  }

  /** Runs one step under the guarantee; returns what it decided (nothing once closed). */
  step(decide: () => DetectorOutput): DetectorOutput | null {
    // Input still arriving while the agent stops: the store may already be closed.
    if (this.closed) return null;
    const queued = this.outbox.stats.queued;
    let decided: DetectorOutput | undefined;
    this.stepProblems = [];
    let output: DetectorOutput;
    try {
      output = this.store.atomically(() => {
        decided = decide();
        for (const ring of decided.rings) this.outbox.enqueue(ring);
        this.afterStep();
        return decided;
      });
    } catch (error) {
      if (!decided || !isStorageFailure(error)) throw error;
      output = decided;
      this.log.error('store: cannot commit; rings kept in memory until published', { error: String(error) });
      this.outbox.keepInMemory([...output.rings, ...this.stepProblems]);
    }
    if (this.outbox.stats.queued !== queued) this.outbox.pump();
    return output;
  }

  /** A problem raised inside the current step (by the pipeline or the health monitors): same transaction. */
  queueProblem(problem: ProblemEvent): void {
    this.stepProblems.push(problem);
    this.outbox.enqueue(problem);
  }

  /** A problem raised outside any step: its own transaction. */
  raise(problem: ProblemEvent): void {
    if (this.closed) return;
    this.store.atomically(() => this.outbox.enqueue(problem));
    this.outbox.pump();
  }

  /** The broker is reachable: start sending what is queued, oldest first. */
  open(): void {
    this.markConnected();
    if (this.outbox.size > 0) this.log.info('outbox: sending what was queued', { entries: this.outbox.size });
    this.outbox.pump();
  }

  /** Stops sending; what is not acknowledged stays on disk for the next start. */
  close(): void {
    this.closed = true;
    this.outbox.close();
  }
}
