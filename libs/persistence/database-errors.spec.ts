/**
 * Telling a database outage (retry later, spending no delivery attempt) from a fault of the data
 * or the code (counts towards the delivery limit, then the dead-letter queue).
 */
import { classifyDatabaseError, isTransientDatabaseError, loadFailureReason } from './database-errors';

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

describe('classifyDatabaseError — what the loader does with a failed load', () => {
  it.each([
    { name: 'datetime field overflow (22008)', code: '22008' },
    { name: 'invalid JSON text, a lone surrogate (22P02)', code: '22P02' },
    { name: 'numeric value out of range (22003)', code: '22003' },
    { name: 'check violation (23514)', code: '23514' },
    { name: 'index row too large (54000)', code: '54000' },
    { name: 'raised by a trigger (P0001)', code: 'P0001' },
  ])('$name is the record\'s: isolate it and reject it with LOAD_FAILED', ({ code }) => {
    expect(classifyDatabaseError(typeormWrapped(withCode(code)))).toBe('record');
  });

  it.each([
    { name: 'deadlock (40P01)', code: '40P01' },
    { name: 'serialization failure (40001)', code: '40001' },
    { name: 'admin shutdown (57P01)', code: '57P01' },
    { name: 'connection refused', code: 'ECONNREFUSED' },
  ])('$name is transient: hold the chunk, blame no record', ({ code }) => {
    expect(classifyDatabaseError(withCode(code))).toBe('transient');
  });

  it.each([
    { name: 'undefined table (42P01)', code: '42P01' },
    { name: 'syntax error (42601)', code: '42601' },
    { name: 'internal error (XX000)', code: 'XX000' },
  ])('$name is a fault no record explains: counts towards the delivery limit', ({ code }) => {
    expect(classifyDatabaseError(withCode(code))).toBe('fault');
  });

  it('an error that is not from the database is a fault', () => {
    expect(classifyDatabaseError(new TypeError('x is undefined'))).toBe('fault');
  });
});

describe('loadFailureReason — the LOAD_FAILED value', () => {
  it('names the SQLSTATE, its condition and the schema objects, never the message or detail', () => {
    const error = Object.assign(new Error('new row violates check constraint "x" — value 350203199001011234'), {
      code: '23514',
      constraint: 'credit_records_check',
      table: 'credit_records',
      detail: 'Failing row contains (350203199001011234)',
    });
    const reason = loadFailureReason(typeormWrapped(error));
    expect(reason).toBe('SQLSTATE 23514 check_violation; constraint credit_records_check; table credit_records');
    expect(reason).not.toMatch(/\d{18}/);
  });

  it('a trigger\'s exception is named raise_exception', () => {
    expect(loadFailureReason(withCode('P0001', 'poison 350203199001011234'))).toBe('SQLSTATE P0001 raise_exception');
  });

  it('an unlisted SQLSTATE still gives its code', () => {
    expect(loadFailureReason(withCode('2200N'))).toBe('SQLSTATE 2200N database_error');
  });

  it('a schema name that is not a plain identifier is left out', () => {
    expect(loadFailureReason(Object.assign(withCode('23505'), { constraint: 'k"; 3502' }))).toBe('SQLSTATE 23505 unique_violation');
  });

  it('an error without a SQLSTATE gives only its class', () => {
    expect(loadFailureReason(new RangeError('Maximum call stack size exceeded'))).toBe('ERROR RangeError');
  });
});
