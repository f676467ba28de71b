/**
 * Calls `flush` at most once per `interval` ms, trailing: a burst of live updates becomes one render
 * now and one with the latest data when the interval is over, never a render per update.
 */
export class Throttle {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = -Infinity;

  constructor(
    private readonly flush: () => void,
    private readonly interval: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.last + this.interval - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.last = this.now();
      this.flush();
    }, wait);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
