import type { Catalog } from '../../../catalog/catalog';
import type { QueryLogEntry, SubjectQueryRepository } from '../../persistence/subject-query.repository';
import { QueryLogWriter } from './query-log-writer';
import { QueryError, type RefusedCall, SubjectQueryService } from './subject-query.service';

const NOW = new Date('2026-12-08T01:30:00.000Z');
const CALL: RefusedCall = {
  callerKind: 'query_account',
  callerId: null,
  subjectCode: '91350200MA2XYZ0K1A',
  reason: 'UNKNOWN_TOKEN',
  clientAddress: '203.0.113.7',
  queryKind: 'subject',
  reference: null,
};

function serviceWith(append: (entries: readonly QueryLogEntry[]) => Promise<void>): SubjectQueryService {
  return new SubjectQueryService({} as SubjectQueryRepository, {} as Catalog, () => NOW, { batchQueryMax: 100 }, new QueryLogWriter(append));
}

/** Issue 11, finding 8 (第十九条): a call refused at the edge is logged like any look, before it is answered. */
describe('SubjectQueryService.logRefusedCall', () => {
  it('commits one row: outcome refused, the reason, nothing served', async () => {
    const written: QueryLogEntry[] = [];
    await serviceWith(async (entries) => void written.push(...entries)).logRefusedCall(CALL);
    expect(written).toEqual([
      {
        queriedAt: NOW, callerKind: 'query_account', callerId: null, subjectCode: CALL.subjectCode, purpose: null, outcome: 'refused',
        reason: 'UNKNOWN_TOKEN', resultCount: 0, clientAddress: '203.0.113.7', queryKind: 'subject', itemCodes: null, reference: null,
      },
    ]);
  });

  it('answers QUERY_LOG_UNAVAILABLE (503) instead of the refusal when the row cannot be committed', async () => {
    const failing = serviceWith(() => Promise.reject(new Error('connection terminated')));
    const refused = failing.logRefusedCall(CALL);
    await expect(refused).rejects.toBeInstanceOf(QueryError);
    await expect(refused).rejects.toMatchObject({ code: 'QUERY_LOG_UNAVAILABLE' });
  });
});
