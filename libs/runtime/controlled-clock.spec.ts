import { ControlledClock } from './controlled-clock';

describe('the clock an operator may move in tests', () => {
  it('follows the wall clock until set, then runs on from the time it was set to', () => {
    let wall = new Date('2026-11-27T00:00:00Z').getTime();
    const clock = new ControlledClock(() => new Date(wall));
    expect(clock.now().toISOString()).toBe('2026-11-27T00:00:00.000Z');

    clock.set(new Date('2026-09-30T01:00:00Z'));
    wall += 90_000;
    expect(clock.now().toISOString()).toBe('2026-09-30T01:01:30.000Z');

    clock.reset();
    expect(clock.now().toISOString()).toBe('2026-11-27T00:01:30.000Z');
  });
});
