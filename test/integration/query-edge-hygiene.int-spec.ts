/**
 * Issue 11, finding 1, on both databases the hub runs on: a statement that fails (here: NUL, which
 * PostgreSQL text refuses) must leave the connection usable, on the embedded PGlite too, and one
 * caller's bad value must never fail the other callers' rows in the query log's group commit.
 */
import { loadCatalog } from '../../catalog/catalog';
import { loadHubConfig } from '../../libs/config/hub-config';
import { HealthRepository } from '../../libs/persistence/health.repository';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { preparedQuery } from '../../libs/persistence/prepared-query';
import { QueryLogEntry, SubjectQueryRepository } from '../../libs/persistence/subject-query.repository';
import { QueryLogWriter } from '../../libs/pipeline/query/query-log-writer';
import { QueryContext, SubjectQueryService } from '../../libs/pipeline/query/subject-query.service';
import { uscc } from '../fixtures/credit-data';
import { reliabilityCase } from '../support/reliability';
import { createTestDatabase } from '../support/test-services';

jest.setTimeout(60_000);

const NOW = new Date('2026-03-01T02:00:00Z');
const STRANGER = uscc(40_404); // a valid code never loaded: every honest look is a logged not_found

// PGlite (WASM, dynamic import) cannot load inside jest's VM: the embedded default runs the same
// cases in a child process, in test/e2e/text-hygiene-embedded.e2e-spec.ts.
type Mode = 'services';

describe.each<Mode>(['services'])('a failed statement on the %s database', (mode) => {
  let db: HubDatabase;
  let cleanup: () => Promise<void>;
  let repository: SubjectQueryRepository;
  let service: SubjectQueryService;
  const ctx: QueryContext = { caller: { kind: 'public' }, callerId: null, clientAddress: '10.9.8.7', queryKind: 'subject' };
  const logged = async (subjectCodes: string[]): Promise<Array<{ subject_code: string; outcome: string }>> =>
    db.dataSource.query('SELECT subject_code, outcome FROM query_log WHERE subject_code = ANY($1) ORDER BY id', [subjectCodes]);

  beforeAll(async () => {
    const database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    cleanup = database.drop;
    await db.migrate();
    repository = new SubjectQueryRepository(db);
    service = new SubjectQueryService(repository, loadCatalog(), () => NOW);
  });

  afterAll(async () => {
    await db?.close();
    await cleanup?.();
  });

  const entry = (subjectCode: string): QueryLogEntry => ({
    queriedAt: NOW,
    callerKind: 'public',
    callerId: null,
    subjectCode,
    purpose: null,
    outcome: 'not_found',
    reason: null,
    resultCount: 0,
    clientAddress: '10.9.8.7',
    queryKind: 'subject',
    itemCodes: null,
    reference: null,
  });

  reliabilityCase(
    {
      id: `G1-failed-statement-${mode}`,
      group: 'G edges (wave 2 findings)',
      title: 'a named statement refused by the database leaves the connection and its prepared statements usable',
      channel: `query edge, ${mode}`,
      input: 'the query-log append and a named SELECT given a value holding NUL, then 20 honest subject queries and a readiness check',
      expected: 'the bad statements fail alone; every later query is answered and logged; /health/ready stays truthful (a named round trip)',
    },
    async () => {
      await expect(preparedQuery(db, 'hub_test_echo', 'SELECT $1::text AS v', ['x\u0000'])).rejects.toThrow(/0x00|invalid byte sequence/);
      await expect(preparedQuery(db, 'hub_test_echo', 'SELECT $1::text AS v', ['ok'])).resolves.toEqual([{ v: 'ok' }]);
      // The statement of finding 1: the first append of a fresh session is the failing one.
      await expect(repository.appendLog([entry('x\u0000')])).rejects.toThrow();
      await expect(repository.appendLog([entry('G1-after-bad')])).resolves.toBeUndefined();

      // Through the service, a NUL code is refused (invalid code) and logged with the NUL rendered.
      await expect(service.view('x\u0000', ctx)).rejects.toMatchObject({ code: 'INVALID_SUBJECT_CODE' });
      const codes: string[] = [];
      let answered = 0;
      for (let i = 0; i < 20; i++) {
        await expect(service.view(STRANGER, ctx)).rejects.toMatchObject({ code: 'SUBJECT_NOT_FOUND' });
        answered += 1;
      }
      codes.push('x\\u0000', 'G1-after-bad', STRANGER);
      const rows = await logged(codes);
      expect(rows.filter((r) => r.subject_code === 'x\\u0000')).toEqual([{ subject_code: 'x\\u0000', outcome: 'invalid_code' }]);
      expect(rows.filter((r) => r.subject_code === STRANGER)).toHaveLength(20);
      expect(await new HealthRepository(db).databaseReady()).toEqual({ reachable: true, migrated: true });
      return {
        observed: `bad statements failed alone; ${answered}/20 honest queries answered and logged; NUL code logged as "x\\u0000"; ready`,
        accepted: 20,
        loaded: rows.filter((r) => r.subject_code === STRANGER).length,
        rejected: 0,
        lost: 20 - rows.filter((r) => r.subject_code === STRANGER).length,
        duplicated: 0,
        answers500: 0,
        stuckBatches: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: `G1-group-commit-isolation-${mode}`,
      group: 'G edges (wave 2 findings)',
      title: "one caller's unstorable log row never fails the honest rows of the same group commit",
      channel: `query edge, ${mode}`,
      input: '45 honest query-log rows and 5 rows holding NUL or a lone surrogate, written concurrently into one group commit',
      expected: 'all 45 honest writes commit and resolve; only the 5 hostile ones fail',
    },
    async () => {
      const writer = new QueryLogWriter((entries) => repository.appendLog(entries));
      const honest: string[] = [];
      const writes: Array<{ hostile: boolean; done: Promise<void> }> = [];
      for (let i = 0; i < 50; i++) {
        const hostile = i % 10 === 5;
        const code = hostile ? (i % 20 === 5 ? `h${i}\u0000` : `h${i}\ud800`) : `G1-honest-${mode}-${i}`;
        if (!hostile) honest.push(code);
        writes.push({ hostile, done: writer.write(entry(code)) });
      }
      const outcomes = await Promise.allSettled(writes.map((w) => w.done));
      const honestFailed = outcomes.filter((o, i) => !writes[i].hostile && o.status === 'rejected').length;
      const hostileFailed = outcomes.filter((o, i) => writes[i].hostile && o.status === 'rejected').length;
      const rows = await logged(honest);
      expect({ honestFailed, hostileFailed, honestLogged: rows.length }).toEqual({ honestFailed: 0, hostileFailed: 5, honestLogged: 45 });
      return {
        observed: `honest writes failed: ${honestFailed}/45, logged: ${rows.length}; hostile writes failed: ${hostileFailed}/5`,
        accepted: 45,
        loaded: rows.length,
        rejected: hostileFailed,
        lost: 45 - rows.length,
        duplicated: 0,
        answers500: 0,
        stuckBatches: 0,
      };
    },
  );
});
