import type { ProblemEvent } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import { isStorageFailure } from '../core/storage-failure.ts';
import type { DetectorOutput } from '../detect/detector.ts';
import { isCounterPressId } from '../detect/press-id.ts';
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
 *  4. A ring whose press the Uni's event counter can decide again (its id was made from the counter) leaves
 *     before its step commits when nothing older waits in the outbox: its PUBLISH is in the kernel's socket before
 *     the commit's write, which can wait milliseconds behind the WAL's `fdatasync`. A crash between the two loses
 *     neither the ring (it is on its way to the broker) nor the press: the state that says it was rung was not
 *     committed, so the press is decided again from the counter at the Uni's next report, under the same
 *     `press_id` (README "What survives a crash"). Any other ring leaves after the commit, as in 1.
 *
 * Problems raised outside a step (address verification) get a transaction of their own.
 */
export class Delivery {
  readonly outbox: Outbox;
  private readonly afterStep: () => void;
  private stepProblems: ProblemEvent[] = [];
  private readonly connected: Promise<void>;
  private markConnected: () => void = () => {};
  private isOpen = false;
  private closed = false;
  private readonly flush: () => void;

  constructor(
    private readonly store: SqliteStore,
    private readonly log: Logger,
    options: {
      maxEntries: number;
      /** Publishes one event; resolves on its PUBACK. Called only after `open()`. */
      send(event: OutboxEvent): Promise<void>;
      /** Runs inside each step's transaction, after its rings were queued (the health monitors' events). */
      afterStep(): void;
      /** Writes what `send` handed to the connection into its socket now, not on the next tick. */
      flush?(): void;
    },
  ) {
    this.connected = new Promise((resolve) => {
      this.markConnected = resolve;
    });
    this.afterStep = options.afterStep;
    this.flush = options.flush ?? (() => {});
    this.outbox = new Outbox(store.database, {
      maxEntries: options.maxEntries,
      log,
      // Synchronous up to the PUBLISH once open, so that `sendNow` hands it over inside the step.
      send: (event) => (this.isOpen ? options.send(event) : this.connected.then(() => options.send(event))),
    });
  }

  /** Runs one step under the guarantee; returns what it decided (nothing once closed). */
  step(decide: () => DetectorOutput): DetectorOutput | null {
    // Input still arriving while the agent stops: the store may already be closed.
    if (this.closed) return null;
    const queued = this.outbox.stats.queued;
    let decided: DetectorOutput | undefined;
    this.stepProblems = [];
    const sentEarly: number[] = [];
    let output: DetectorOutput;
    try {
      output = this.store.atomically(() => {
        decided = decide();
        let early = this.isOpen && decided.rings.length > 0 && this.outbox.caughtUp();
        for (const ring of decided.rings) {
          const id = this.outbox.enqueue(ring);
          early &&= isCounterPressId(ring.press_id);
          if (early && id !== null) {
            this.outbox.sendNow(id, ring);
            sentEarly.push(id);
          }
        }
        if (sentEarly.length > 0) this.flush();
        this.afterStep();
        return decided;
      });
    } catch (error) {
      this.outbox.disown(sentEarly);
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
    this.isOpen = true;
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
