/** The agent's one timer: re-armed after every step for whatever the decision graph wants next. */
export class Waker {
  private timer: NodeJS.Timeout | undefined;
  /** The wake-up the timer is armed for: a step that leaves it as it was keeps the timer (no timer churn). */
  private armedFor: number | null = null;
  private stopped = false;

  constructor(
    private readonly nextWakeMs: () => number | null,
    private readonly now: () => number,
    private readonly fire: () => void,
  ) {}

  schedule(): void {
    const due = this.stopped ? null : this.nextWakeMs();
    if (this.timer && due === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = due;
    if (due === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.fire();
      },
      Math.max(0, due - this.now()),
    );
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
