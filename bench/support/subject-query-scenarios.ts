import type { Catalog } from '../../catalog/catalog';
import { chinaCalendarDate } from '../../libs/domain/identity/citizen-id';
import { SubjectQueryRepository } from '../../libs/persistence/subject-query.repository';
import { QueryLogWriter } from '../../libs/pipeline/query/query-log-writer';
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
  // Built as apps/api/src/api.module.ts builds it: the default group-commit query-log writer.
  const service = new SubjectQueryService(repository, catalog, () => new Date(), { batchQueryMax });
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
 * `public-unlogged` is the public query with a query-log writer that writes nothing. Neither is
 * how the hub runs; the difference to `bare` and to `public` is what each part costs.
 */
export function diagnosticCalls(
  repository: SubjectQueryRepository,
  catalog: Catalog,
  batchQueryMax: number,
): Record<'read' | 'public-unlogged', SubjectQueryCall> {
  const items = catalog.all().filter((i) => i.disclosure === 'public' && i.usage.includes('public_disclosure')).map((i) => i.code);
  const unlogged = new SubjectQueryService(repository, catalog, () => new Date(), { batchQueryMax }, new QueryLogWriter(async () => undefined));
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
      run: (code) => viewOutcome(unlogged, code, { clientAddress: '127.0.0.1', queryKind: 'subject', caller: { kind: 'public' }, callerId: null }),
    },
  };
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
