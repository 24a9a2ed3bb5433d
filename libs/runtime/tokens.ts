export const HUB_CONFIG = Symbol('HUB_CONFIG');
/** The wall clock, injected so that domain code and tests can move time. */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;
/** The ControlledClock behind CLOCK when HUB_CLOCK_CONTROL=on; undefined otherwise. */
export const CLOCK_CONTROL = Symbol('CLOCK_CONTROL');
