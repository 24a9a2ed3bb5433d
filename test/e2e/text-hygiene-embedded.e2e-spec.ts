import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, registerSupplier } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { reliabilityCase } from '../support/reliability';
import { declareTextHygieneCases, HOSTILE_REQUESTS, hostileAndHonestQueries, HygieneContext, startChannelFixtures } from '../support/text-hygiene-channels';

jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../..');

/**
 * The built persistence layer on a PGlite data folder of its own, in a child process (PGlite's WASM
 * does not load inside jest's VM): the statements of finding 1 fail, then the same named statements
 * and a group commit of honest and hostile query-log rows run on the same pool.
 */
const DRIVER_PROBE = `
const { loadHubConfig } = require('./dist/libs/config/hub-config');
const { HubDatabase } = require('./dist/libs/persistence/hub-database');
const { preparedQuery } = require('./dist/libs/persistence/prepared-query');
const { SubjectQueryRepository } = require('./dist/libs/persistence/subject-query.repository');
const { HealthRepository } = require('./dist/libs/persistence/health.repository');
const { QueryLogWriter } = require('./dist/libs/pipeline/query/query-log-writer');
const entry = (subjectCode) => ({ queriedAt: new Date(), callerKind: 'public', callerId: null, subjectCode, purpose: null, outcome: 'not_found',
  reason: null, resultCount: 0, clientAddress: null, queryKind: 'subject', itemCodes: null, reference: null });
const settle = (p) => p.then(() => 'ok', (e) => 'failed: ' + (e.code || e.message));
(async () => {
  const db = await HubDatabase.open(loadHubConfig({ HUB_DATA_DIR: process.argv[1] }));
  await db.migrate();
  const repo = new SubjectQueryRepository(db);
  const out = {};
  out.badAppend = await settle(repo.appendLog([entry('x\\u0000')]));
  out.goodAppend = await settle(repo.appendLog([entry('after-bad')]));
  out.badEcho = await settle(preparedQuery(db, 'probe_echo', 'SELECT $1::text AS v', ['x\\u0000']));
  out.goodEcho = (await preparedQuery(db, 'probe_echo', 'SELECT $1::text AS v', ['ok']))[0].v;
  const writer = new QueryLogWriter((e) => repo.appendLog(e));
  const writes = Array.from({ length: 50 }, (_, i) => settle(writer.write(entry(i % 10 === 5 ? 'h' + i + '\\u0000' : 'honest-' + i))));
  const results = await Promise.all(writes);
  out.honestFailed = results.filter((r, i) => i % 10 !== 5 && r !== 'ok').length;
  out.hostileFailed = results.filter((r, i) => i % 10 === 5 && r !== 'ok').length;
  out.honestLogged = Number((await db.dataSource.query("SELECT count(*) AS n FROM query_log WHERE subject_code LIKE 'honest-%'"))[0].n);
  out.ready = await new HealthRepository(db).databaseReady();
  await db.close();
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/** Issue 11, findings 1 and 2, on the embedded default (PGlite, in-process bus): text hygiene on every channel and at the query edge. */
describe('text hygiene at every edge (embedded default)', () => {
  let dataDir: string;
  let fixtures: Awaited<ReturnType<typeof startChannelFixtures>>;
  let hub: HubProcess;
  let context: HygieneContext;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hub-hygiene-'));
    fixtures = await startChannelFixtures();
    hub = await startHubProcess({
      env: { HUB_DATA_DIR: join(dataDir, 'hub'), HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: 'e2e-hub-secret-key-0123456789abcdef' },
      readyTimeoutMs: 120_000,
    });
    const supplierCode = 'hyg-embedded';
    const apiKey = await registerSupplier(hub.url, supplierCode, ['administrative_penalty']);
    context = { url: hub.url, apiKey, supplierCode, ...fixtures };
  });

  afterAll(async () => {
    await hub?.stop();
    await fixtures?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  declareTextHygieneCases('embedded', () => context);

  reliabilityCase(
    {
      id: 'G1-nul-path-embedded',
      group: 'G edges (wave 2 findings)',
      title: 'NUL, lone surrogates, controls and non-UTF-8 escapes in paths, parameters and query bodies are refused; honest queries beside them and after them are all answered',
      channel: 'query edge, embedded',
      input: `${HOSTILE_REQUESTS.length} hostile requests (GET /api/v1/subjects/x%00 first, then %ED%A0%80, %FF, batch-query codes with \\u0000 and \\ud800, …), then 45 honest subject queries mixed with 45 hostile ones`,
      expected: '400 INVALID_REQUEST naming the parameter; every honest query answered (404), no 500/503, before and after; ready 200',
    },
    async () => {
      const observation = await hostileAndHonestQueries(hub.url, uscc(818_181));
      expect(observation.refusals).toEqual(HOSTILE_REQUESTS.map((r) => ({ status: 400, code: 'INVALID_REQUEST', details: [{ field: r.field }] })));
      expect(observation).toMatchObject({ lost: 0, answers500: 0, loaded: 45 });
      return observation;
    },
  );

  reliabilityCase(
    {
      id: 'G1-failed-statement-embedded',
      group: 'G edges (wave 2 findings)',
      title: "a statement PGlite refuses leaves the one connection and its named statements usable; one caller's bad log row never fails the others of its group commit",
      channel: 'query edge, embedded',
      input: 'on a PGlite data folder: the query-log append and a named SELECT given NUL / a lone surrogate; then the same statements with honest values, and 45 honest + 5 hostile query-log rows in one group commit',
      expected: 'the bad statements fail alone; the same named statements then succeed (no "prepared statement already exists"); 45 honest rows commit, 5 hostile fail; the readiness round trip succeeds',
    },
    async () => {
      const probe = spawnSync(process.execPath, ['-e', DRIVER_PROBE, join(dataDir, 'probe')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? '', TZ: 'UTC' } });
      expect(probe.stderr).toBe('');
      const out = JSON.parse(probe.stdout) as Record<string, unknown>;
      expect(out).toEqual({
        badAppend: expect.stringMatching(/^failed/),
        goodAppend: 'ok',
        badEcho: expect.stringMatching(/^failed/),
        goodEcho: 'ok',
        honestFailed: 0,
        hostileFailed: 5,
        honestLogged: 45,
        ready: { reachable: true, migrated: true },
      });
      return {
        observed: JSON.stringify(out),
        accepted: 45,
        loaded: out.honestLogged as number,
        rejected: out.hostileFailed as number,
        lost: 45 - (out.honestLogged as number),
        duplicated: 0,
        answers500: 0,
        stuckBatches: 0,
      };
    },
  );
});
