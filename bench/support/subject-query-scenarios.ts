import type { Catalog } from '../../catalog/catalog';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { preparedQuery } from '../../libs/persistence/prepared-query';
import { chinaCalendarDate } from '../../libs/domain/identity/citizen-id';
import { SubjectQueryRepository } from '../../libs/persistence/subject-query.repository';
import { QueryLogWriter } from '../../libs/pipeline/query/query-log-writer';
import { meteredQueryLogWriter } from '../../libs/pipeline/query/metered-query-log-writer';
import { HubMetrics } from '../../libs/observability/metrics';
import { CoalescedReadRepository } from './coalesced-read-probe';
import { QueryContext, QueryError, SubjectQueryService } from '../../libs/pipeline/query/subject-query.service';
import type { QueryOutcome } from './closed-loop';

export const CALLER_SCENARIOS = ['public', 'government', 'subject'] as const;
export type CallerScenario = (typeof CALLER_SCENARIOS)[number];

export interface SubjectQueryCall {
  readonly description: string;
  /** Undefined when this version of SubjectQueryService cannot serve the caller (reported, not run). */
  readonly run?: (code: string) => Promise<QueryOutcome>;
  readonly unavailable?: string;
}

/**
 * The only place that knows SubjectQueryService's signatures: each caller kind of the benchmark
 * as one call of `view`, with the access checks, masking and the query-log write it does for
 * real. A 404 (nothing the caller may see) is an outcome, not an error.
 */
export function subjectQueryCalls(repository: SubjectQueryRepository, catalog: Catalog, batchQueryMax: number): Record<CallerScenario, SubjectQueryCall> {
  // Built as libs/runtime/query.module.ts builds it: the group-commit query-log writer, metered.
  const service = new SubjectQueryService(
    repository,
    catalog,
    () => new Date(),
    { batchQueryMax },
    meteredQueryLogWriter((entries) => repository.appendLog(entries), new HubMetrics()),
  );
  const call = (code: string, context: QueryContext) => viewOutcome(service, code, context);
  const base = { clientAddress: '127.0.0.1', queryKind: 'subject' } as const;
  return {
    public: {
      description: "view(code, {caller: {kind: 'public'}}): 第十六条 open query, identifiers masked",
      run: (code) => call(code, { ...base, caller: { kind: 'public' }, callerId: null }),
    },
    government: {
      description: "view(code, {caller: {kind: 'government', roles: ['subject_query'], purpose: 'licensing_inspection_penalty'}}): 第十八条, unmasked",
      run: (code) =>
        call(code, {
          ...base,
          caller: { kind: 'government', userId: 'bench-gov-user', roles: ['subject_query'], purpose: 'licensing_inspection_penalty' },
          callerId: 'bench-gov-account',
        }),
    },
    subject: {
      description: "view(code, {caller: {kind: 'subject', subjectCode: code}}): 第十七条 the subject's own records, unmasked",
      run: (code) => call(code, { ...base, caller: { kind: 'subject', subjectCode: code }, callerId: code }),
    },
  };
}

/**
 * Diagnostics that take the subject query apart: `read` is the repository's read alone with the
 * public item filter (disclosure public, usage public_disclosure: the policy's open-query rule);
 * `public-unlogged` is the public query with a query-log writer that writes nothing;
 * `public-log-page` is the public query whose group commit writes ONE hash-chained row holding
 * the whole group's entries (`bench_probe.query_log_pages`, made by `prepareLogPageProbe`) instead
 * of one chained row per look: what a page-per-commit log design would cost; `public-coalesced` is
 * the public query with the reads of concurrent callers batched into one statement
 * (CoalescedReadRepository). None of them is how the hub runs; the difference to `bare` and to
 * `public` is what each part costs.
 */
export function diagnosticCalls(
  repository: SubjectQueryRepository,
  catalog: Catalog,
  batchQueryMax: number,
  db: HubDatabase,
): Record<'read' | 'public-unlogged' | 'public-log-page' | 'public-coalesced', SubjectQueryCall> {
  const items = catalog.all().filter((i) => i.disclosure === 'public' && i.usage.includes('public_disclosure')).map((i) => i.code);
  const unlogged = new SubjectQueryService(repository, catalog, () => new Date(), { batchQueryMax }, new QueryLogWriter(async () => undefined));
  const paged = new SubjectQueryService(
    repository,
    catalog,
    () => new Date(),
    { batchQueryMax },
    new QueryLogWriter(async (entries) => {
      await preparedQuery(db, 'bench_probe_log_page_append', 'INSERT INTO bench_probe.query_log_pages (entries) VALUES ($1::jsonb)', [JSON.stringify(entries)]);
    }),
  );
  const coalesced = new SubjectQueryService(
    new CoalescedReadRepository(db),
    catalog,
    () => new Date(),
    { batchQueryMax },
    meteredQueryLogWriter((entries) => repository.appendLog(entries), new HubMetrics()),
  );
  const publicContext: QueryContext = { clientAddress: '127.0.0.1', queryKind: 'subject', caller: { kind: 'public' }, callerId: null };
  return {
    read: {
      description: 'SubjectQueryRepository.readSubject(code, public items, active, in period) alone: no policy, no masking, no log',
      run: async (code) => {
        const { records } = await repository.readSubject(code, { itemCodes: items, statuses: ['active'], servedOn: chinaCalendarDate(new Date()) });
        return { rows: records.length, outcome: records.length > 0 ? 'served' : 'not_found' };
      },
    },
    'public-unlogged': {
      description: 'the public view with a query-log writer that writes nothing (diagnostic only)',
      run: (code) => viewOutcome(unlogged, code, publicContext),
    },
    'public-log-page': {
      description: 'the public view, its group commit writing one chained row with all the group\'s entries (design probe only)',
      run: (code) => viewOutcome(paged, code, publicContext),
    },
    'public-coalesced': {
      description: 'the public view, logged as the hub logs, its reads batched across concurrent callers into one statement (design probe only)',
      run: (code) => viewOutcome(coalesced, code, publicContext),
    },
  };
}

/**
 * The probe table of `public-log-page`, in the bench database only: the entries of one group
 * commit as one jsonb row, chained by the same formula and lane protocol as query_log
 * (audit_chain_hash, 1764489600000-audit-chain.ts), stored uncompressed up to 8 kB as a log
 * row of that size would be. Idempotent.
 */
export async function prepareLogPageProbe(db: HubDatabase): Promise<void> {
  await db.dataSource.query('CREATE SCHEMA IF NOT EXISTS bench_probe');
  await db.dataSource.query(`
    CREATE TABLE IF NOT EXISTS bench_probe.query_log_pages (
      id bigserial PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now(), entries jsonb NOT NULL,
      chain_lane smallint NOT NULL, chain_seq bigint NOT NULL, prev_hash bytea, row_hash bytea NOT NULL,
      UNIQUE (chain_lane, chain_seq)) WITH (toast_tuple_target = 8160)`);
  await db.dataSource.query(`
    CREATE OR REPLACE FUNCTION bench_probe.query_log_pages_link() RETURNS trigger
    LANGUAGE plpgsql SET search_path = bench_probe, public SET "TimeZone" TO 'UTC' AS $$
    DECLARE
      lane integer := nullif(current_setting('credithub.bench_probe_lane', true), '')::integer;
      home integer; last_seq bigint; last_hash bytea;
    BEGIN
      IF lane IS NULL THEN
        home := pg_backend_pid() % 16;
        FOR i IN 0..15 LOOP
          IF pg_try_advisory_xact_lock(727199, (home + i) % 16) THEN lane := (home + i) % 16; EXIT; END IF;
        END LOOP;
        lane := coalesce(lane, home);
        PERFORM set_config('credithub.bench_probe_lane', lane::text, true);
      END IF;
      PERFORM pg_advisory_xact_lock(727199, lane);
      SELECT t.chain_seq, t.row_hash INTO last_seq, last_hash
      FROM bench_probe.query_log_pages t WHERE t.chain_lane = lane ORDER BY t.chain_seq DESC LIMIT 1;
      NEW.chain_lane := lane; NEW.chain_seq := coalesce(last_seq, 0) + 1; NEW.prev_hash := last_hash;
      NEW.row_hash := audit_chain_hash(last_hash, to_jsonb(NEW));
      RETURN NEW;
    END $$`);
  await db.dataSource.query('DROP TRIGGER IF EXISTS zz_audit_chain ON bench_probe.query_log_pages');
  await db.dataSource.query(`CREATE TRIGGER zz_audit_chain BEFORE INSERT ON bench_probe.query_log_pages
    FOR EACH ROW EXECUTE FUNCTION bench_probe.query_log_pages_link()`);
}

async function viewOutcome(service: SubjectQueryService, code: string, context: QueryContext): Promise<QueryOutcome> {
  try {
    const v = await service.view(code, context);
    return { rows: v.records.length, outcome: 'served' };
  } catch (e) {
    if (e instanceof QueryError && e.code === 'SUBJECT_NOT_FOUND') return { rows: 0, outcome: 'not_found' };
    throw e;
  }
}
