export const HUB_CONFIG = Symbol('HUB_CONFIG');
/** The wall clock, injected so that domain code and tests can move time. */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;
