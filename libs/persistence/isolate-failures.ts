/**
 * Finds the records a batch statement cannot store, by bisection (KIP-610's lesson: a failure of
 * a batch write must be narrowed to its records, not dead-letter the whole batch).
 *
 * `attempt` stores a subset atomically (the loader runs it under a savepoint): it either stores
 * all of the subset or nothing. A subset that fails with an error `isRecordFault` accepts is split
 * in two and each half tried again, down to single records, which are the failures. Any other
 * error ends the search and is thrown: the caller rolls back everything (an outage is nobody's
 * record). One poison record among n costs about 1.5·log2(n) extra attempts; a chunk where every
 * record fails costs 2n − 1 (the per-record alternative: n + 1 always). A record is declared
 * failed only after an attempt holding it alone failed.
 */
export interface IsolationOutcome<T> {
  readonly stored: T[];
  readonly failed: { readonly item: T; readonly error: unknown }[];
  /** How many times `attempt` ran (the first, whole-set attempt included). */
  readonly attempts: number;
}

export async function storeIsolatingFailures<T>(
  items: readonly T[],
  attempt: (subset: readonly T[]) => Promise<void>,
  isRecordFault: (error: unknown) => boolean,
): Promise<IsolationOutcome<T>> {
  const stored: T[] = [];
  const failed: { item: T; error: unknown }[] = [];
  let attempts = 0;

  /** `knownError`: this subset is the remainder of one that failed while its other half stored. */
  const run = async (subset: readonly T[], knownError?: unknown): Promise<void> => {
    if (subset.length === 0) return;
    // A record is only ever declared failed after storing it alone failed.
    let error = subset.length > 1 ? knownError : undefined;
    if (error === undefined) {
      attempts++;
      try {
        await attempt(subset);
        stored.push(...subset);
        return;
      } catch (e) {
        if (!isRecordFault(e)) throw e;
        error = e;
      }
    }
    if (subset.length === 1) {
      failed.push({ item: subset[0], error });
      return;
    }
    const middle = Math.ceil(subset.length / 2);
    const left = subset.slice(0, middle);
    const right = subset.slice(middle);
    const before = failed.length;
    await run(left);
    // The whole failed and its left half stored in full: the fault is in the right half, so trying
    // it whole again would only fail again. Split it straight away.
    await run(right, failed.length === before ? error : undefined);
  };

  await run(items);
  return { stored, failed, attempts };
}
