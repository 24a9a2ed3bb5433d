import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Observation } from '../../scripts/reliability-report';
import { withDatabase } from './test-services';

/**
 * The fault and hostile-input plan (issue 11, shared/research/reliability-anchors.md §4) as
 * named cases. Each case states its input and the behaviour expected, runs, and records what
 * was observed in test-results/reliability/<id>.json; docs/RELIABILITY.md is generated from
 * those files. Every case also holds the ledger invariants: nothing acknowledged lost or
 * duplicated, no 500 answer, no batch left short of `done`.
 */
export type ReliabilityGroup =
  | 'A broker'
  | 'B database'
  | 'C worker'
  | 'D connector'
  | 'E hostile input'
  | 'F access and audit'
  | 'G edges (wave 2 findings)';

export interface ReliabilityCase {
  /** Stable id: the plan's (A1, E5…) or a finding's (G1…), with a suffix per channel: `E5-ndjson`. */
  readonly id: string;
  readonly group: ReliabilityGroup;
  readonly title: string;
  /** Where: `REST JSON`, `SOAP`, `SFTP`, `REST pull`, `SOAP pull`, `DB poll`, `query edge`, … and `embedded` or `services`. */
  readonly channel: string;
  /** The input or fault, in words a reader can reproduce. */
  readonly input: string;
  readonly expected: string;
}

export type { Observation } from '../../scripts/reliability-report';

export const RELIABILITY_RESULTS_DIR = resolve(__dirname, '..', '..', 'test-results', 'reliability');

/** Declares one case as a jest test; `run` makes its own assertions and returns what it saw. */
export function reliabilityCase(c: ReliabilityCase, run: () => Promise<Observation>, timeoutMs?: number): void {
  it(
    `${c.id}: ${c.title} (${c.channel})`,
    async () => {
      let observation: Observation | undefined;
      try {
        observation = await run();
        expect({ lost: observation.lost, duplicated: observation.duplicated, answers500: observation.answers500, stuckBatches: observation.stuckBatches }).toEqual({
          lost: 0,
          duplicated: 0,
          answers500: 0,
          stuckBatches: 0,
        });
        writeResult(c, { ...observation, passed: true });
      } catch (e) {
        writeResult(c, { ...(observation ?? emptyObservation()), observed: `${observation?.observed ?? ''} FAILED: ${(e as Error).message}`.trim(), passed: false });
        throw e;
      }
    },
    timeoutMs,
  );
}

function emptyObservation(): Observation {
  return { observed: '', accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 };
}

function writeResult(c: ReliabilityCase, o: Observation & { passed: boolean }): void {
  mkdirSync(RELIABILITY_RESULTS_DIR, { recursive: true });
  writeFileSync(join(RELIABILITY_RESULTS_DIR, `${c.id}.json`), JSON.stringify({ ...c, ...o, at: new Date().toISOString() }, null, 2));
}

/**
 * The ledger oracle on PostgreSQL: each accepted source key must end as exactly one current
 * record or as a rejection; a key in neither is lost, a key with two current rows duplicated.
 */
export async function reconcile(
  databaseUrl: string,
  acceptedKeys: readonly string[],
): Promise<Pick<Observation, 'loaded' | 'rejected' | 'lost' | 'duplicated' | 'stuckBatches'>> {
  return withDatabase(databaseUrl, async (db) => {
    const stored = await db.query<{ source_key: string; n: string }>(
      `SELECT source_key, count(*) AS n FROM credit_records WHERE source_key = ANY($1) GROUP BY source_key`,
      [acceptedKeys],
    );
    const rejected = await db.query<{ source_key: string }>(`SELECT DISTINCT source_key FROM rejections WHERE source_key = ANY($1)`, [acceptedKeys]);
    // A batch is done when every chunk it was accepted with has its marker (batch.repository).
    const stuck = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM batches b
       WHERE b.status = 'accepted' AND (SELECT count(*) FROM batch_chunks c WHERE c.batch_id = b.id) < b.chunk_count`,
    );
    const loadedKeys = new Set(stored.rows.map((r) => r.source_key));
    const rejectedKeys = new Set(rejected.rows.map((r) => r.source_key));
    return {
      loaded: loadedKeys.size,
      rejected: [...rejectedKeys].filter((k) => !loadedKeys.has(k)).length,
      lost: acceptedKeys.filter((k) => !loadedKeys.has(k) && !rejectedKeys.has(k)).length,
      duplicated: stored.rows.filter((r) => Number(r.n) > 1).length,
      stuckBatches: Number(stuck.rows[0].n),
    };
  });
}

/**
 * The ledger of a connector exercised without the hub (a connector int-spec): the records the
 * supplier offered against those the connector read and would publish. A record read twice in
 * one uninterrupted run counts as duplicated; one offered and never read as lost.
 */
export function connectorLedger(offered: readonly string[], read: readonly string[]): Omit<Observation, 'observed'> {
  const seen = new Map<string, number>();
  for (const id of read) seen.set(id, (seen.get(id) ?? 0) + 1);
  const offeredSet = new Set(offered);
  return {
    accepted: seen.size,
    loaded: [...seen.keys()].filter((id) => offeredSet.has(id)).length,
    rejected: 0,
    lost: offered.filter((id) => !seen.has(id)).length,
    duplicated: [...seen.values()].filter((n) => n > 1).length,
    answers500: 0,
    stuckBatches: 0,
  };
}

/** An observation for a case that moves no records (access control, a refused request, a fault that published nothing). */
export function noRecords(observed: string, answers500 = 0): Observation {
  return { observed, accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500, stuckBatches: 0 };
}
