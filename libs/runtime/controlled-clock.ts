import type { Clock } from './tokens';

/**
 * The wall clock shifted by an offset an operator may set (only with HUB_CLOCK_CONTROL=on): the
 * acceptance tests move a running hub across a 调休 weekend without waiting for it. Time keeps
 * running from the moment it was set.
 */
export class ControlledClock {
  private offsetMs = 0;

  constructor(private readonly wall: Clock = () => new Date()) {}

  readonly now: Clock = () => new Date(this.wall().getTime() + this.offsetMs);

  set(to: Date): void {
    this.offsetMs = to.getTime() - this.wall().getTime();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
