/** The agent's one timer: re-armed after every step for whatever the decision graph wants next. */
export class Waker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly nextWakeMs: () => number | null,
    private readonly now: () => number,
    private readonly fire: () => void,
  ) {}

  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const due = this.nextWakeMs();
    if (due === null) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - this.now()));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
