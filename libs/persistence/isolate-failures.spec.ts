/**
 * Isolating the records a batch statement cannot store (KIP-610; issue 11 finding 3): the rest
 * store, each failure is a record that failed alone, an outage aborts the search.
 */
import { storeIsolatingFailures } from './isolate-failures';

class RecordFault extends Error {
  readonly code = '23514';
}
class Outage extends Error {
  readonly code = '57P01';
}
const isRecordFault = (e: unknown) => e instanceof RecordFault;

/** A fake store: refuses any subset holding a poison, storing nothing of it (a rolled-back savepoint). */
function storeRefusing(poison: ReadonlySet<number>) {
  const stored: number[] = [];
  const attempts: number[][] = [];
  const attempt = (subset: readonly number[]) => {
    attempts.push([...subset]);
    if (subset.some((n) => poison.has(n))) return Promise.reject(new RecordFault('poison'));
    stored.push(...subset);
    return Promise.resolve();
  };
  return { stored, attempts, attempt };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('storeIsolatingFailures', () => {
  it('stores a clean set in one attempt', async () => {
    const store = storeRefusing(new Set());
    const outcome = await storeIsolatingFailures(range(500), store.attempt, isRecordFault);
    expect({ stored: outcome.stored.length, failed: outcome.failed.length, attempts: outcome.attempts }).toEqual({ stored: 500, failed: 0, attempts: 1 });
  });

  it.each([0, 1, 250, 498, 499])('isolates one poison at position %i among 500: 499 stored, few attempts', async (position) => {
    const store = storeRefusing(new Set([position]));
    const outcome = await storeIsolatingFailures(range(500), store.attempt, isRecordFault);
    expect(outcome.failed.map((f) => f.item)).toEqual([position]);
    expect(outcome.failed[0].error).toBeInstanceOf(RecordFault);
    expect(outcome.stored.sort((a, b) => a - b)).toEqual(range(500).filter((n) => n !== position));
    expect(store.stored.length).toBe(499);
    // Halving 500 → 16 takes 5 levels of at most 2 attempts, then at most 16 single records.
    expect(outcome.attempts).toBeLessThanOrEqual(1 + 2 * 5 + 16);
  });

  it('isolates several poisons and stores every other record exactly once', async () => {
    const poison = new Set([3, 4, 100, 377, 499]);
    const store = storeRefusing(poison);
    const outcome = await storeIsolatingFailures(range(500), store.attempt, isRecordFault);
    expect(outcome.failed.map((f) => f.item).sort((a, b) => a - b)).toEqual([...poison]);
    expect([...store.stored].sort((a, b) => a - b)).toEqual(range(500).filter((n) => !poison.has(n)));
  });

  it('declares a record failed only after an attempt holding it alone failed', async () => {
    const store = storeRefusing(new Set([7, 8, 9]));
    const outcome = await storeIsolatingFailures(range(16), store.attempt, isRecordFault);
    for (const { item } of outcome.failed) expect(store.attempts).toContainEqual([item]);
  });

  it('a chunk where every record fails stores nothing and costs little more than trying each record', async () => {
    const store = storeRefusing(new Set(range(64)));
    const outcome = await storeIsolatingFailures(range(64), store.attempt, isRecordFault);
    // 64 → two 32s → four 16s, then 64 single records (pure bisection: 127).
    expect({ stored: outcome.stored.length, failed: outcome.failed.length, attempts: outcome.attempts }).toEqual({ stored: 0, failed: 64, attempts: 1 + 2 + 4 + 64 });
  });

  it('with a leaf size of 1 it is a pure bisection: 2n − 1 attempts when every record fails', async () => {
    const store = storeRefusing(new Set(range(64)));
    const outcome = await storeIsolatingFailures(range(64), store.attempt, isRecordFault, 1);
    expect(outcome.attempts).toBe(127);
  });

  it('a failure that vanishes when the set is split (too large together) rejects nothing', async () => {
    const attempt = (subset: readonly number[]) => (subset.length > 100 ? Promise.reject(new RecordFault('too large together')) : Promise.resolve());
    const outcome = await storeIsolatingFailures(range(500), attempt, isRecordFault);
    expect({ stored: outcome.stored.length, failed: outcome.failed.length }).toEqual({ stored: 500, failed: 0 });
  });

  it('an outage during the search is thrown, whatever was stored so far (the caller rolls it all back)', async () => {
    let calls = 0;
    const attempt = () => {
      calls++;
      if (calls === 1) return Promise.reject(new RecordFault('poison'));
      if (calls === 3) return Promise.reject(new Outage('terminating connection'));
      return Promise.resolve();
    };
    await expect(storeIsolatingFailures(range(10), attempt, isRecordFault)).rejects.toBeInstanceOf(Outage);
  });

  it('an error that is not a record fault on the first attempt is thrown without splitting', async () => {
    let calls = 0;
    const attempt = () => {
      calls++;
      return Promise.reject(new Error('relation "credit_records" does not exist'));
    };
    await expect(storeIsolatingFailures(range(10), attempt, isRecordFault)).rejects.toThrow('does not exist');
    expect(calls).toBe(1);
  });

  it('an empty set needs no attempt', async () => {
    const outcome = await storeIsolatingFailures([], () => Promise.reject(new Error('never')), isRecordFault);
    expect(outcome).toEqual({ stored: [], failed: [], attempts: 0 });
  });
});
