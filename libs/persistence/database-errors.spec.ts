/**
 * Telling a database outage (retry later, spending no delivery attempt) from a fault of the data
 * or the code (counts towards the delivery limit, then the dead-letter queue).
 */
import { isTransientDatabaseError } from './database-errors';

/** An error as node-postgres / Node's net module raise it: an Error with a string `code`. */
function withCode(code: string, message = 'database error'): Error {
  return Object.assign(new Error(message), { code });
}

/** TypeORM's QueryFailedError keeps the driver's error as `driverError`. */
function typeormWrapped(driverError: unknown): Error {
  return Object.assign(new Error('QueryFailedError: query failed'), { driverError });
}

describe('isTransientDatabaseError — outages are transient', () => {
  it.each([
    { name: 'connection refused (ECONNREFUSED)', code: 'ECONNREFUSED' },
    { name: 'connection reset (ECONNRESET)', code: 'ECONNRESET' },
    { name: 'admin shutdown (57P01)', code: '57P01' },
    { name: 'connection failure (08006)', code: '08006' },
    { name: 'deadlock detected (40P01)', code: '40P01' },
    { name: 'serialization failure (40001)', code: '40001' },
    { name: 'lock not available (55P03)', code: '55P03' },
    { name: 'too many connections (53300)', code: '53300' },
    { name: 'cannot connect now, starting up (57P03)', code: '57P03' },
  ])('$name', ({ code }) => {
    expect(isTransientDatabaseError(withCode(code))).toBe(true);
  });

  it.each(['ECONNREFUSED', '57P01', '08006', '40P01'])('%s wrapped as TypeORM driverError is transient too', (code) => {
    expect(isTransientDatabaseError(typeormWrapped(withCode(code)))).toBe(true);
  });

  it('an outage wrapped as an Error cause is transient', () => {
    expect(isTransientDatabaseError(new Error('load failed', { cause: withCode('08006') }))).toBe(true);
  });

  it('a dropped socket that node-postgres reports only in prose is transient', () => {
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
});

describe('isTransientDatabaseError — faults of the data or the code are not', () => {
  it.each([
    { name: 'unique violation (23505)', code: '23505' },
    { name: 'not-null violation (23502)', code: '23502' },
    { name: 'syntax error (42601)', code: '42601' },
    { name: 'invalid text representation (22P02)', code: '22P02' },
    { name: 'untranslatable character (22P05)', code: '22P05' },
  ])('$name', ({ code }) => {
    expect(isTransientDatabaseError(withCode(code))).toBe(false);
  });

  it('a unique violation wrapped as TypeORM driverError is not transient', () => {
    expect(isTransientDatabaseError(typeormWrapped(withCode('23505')))).toBe(false);
  });

  it('a plain Error is not transient', () => {
    expect(isTransientDatabaseError(new Error('Cannot read properties of undefined'))).toBe(false);
  });

  it.each([
    { name: 'undefined', value: undefined },
    { name: 'a string', value: 'ECONNREFUSED' },
    { name: 'a plain object with a code', value: { code: 'ECONNREFUSED' } },
  ])('$name (not an Error) is not transient', ({ value }) => {
    expect(isTransientDatabaseError(value)).toBe(false);
  });

  it('a numeric code is ignored', () => {
    expect(isTransientDatabaseError(Object.assign(new Error('x'), { code: 57 }))).toBe(false);
  });

  it('stops following causes after a few levels (a cyclic cause cannot loop)', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isTransientDatabaseError(a)).toBe(false);
  });
});
