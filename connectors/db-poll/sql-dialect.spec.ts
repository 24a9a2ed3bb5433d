import { dbPollConfigSchema } from './db-poll.config';
import { feedbackInsert, isSupportedWatermarkType, lookBackQuery, PageSpec, pageQuery, quoteIdent } from './sql-dialect';

describe('quoteIdent (OWASP: quoting is not an allow-list, but it is done anyway)', () => {
  it.each([
    ['postgres', 'orders', '"orders"'],
    ['postgres', 'orders; DROP TABLE x--', '"orders; DROP TABLE x--"'],
    ['postgres', 'a" , (select 1) --', '"a"" , (select 1) --"'],
    ['postgres', '处罚信息', '"处罚信息"'],
    ['mariadb', 'orders', '`orders`'],
    ['mariadb', 'a` , (select 1) --', '`a`` , (select 1) --`'],
  ] as const)('%s quotes %j as %s', (driver, name, quoted) => {
    expect(quoteIdent(driver, name)).toBe(quoted);
  });

  it('refuses NUL, which would cut the identifier short in the server', () => {
    expect(() => quoteIdent('postgres', 'a\0b')).toThrow('NUL');
  });
});

const spec = (driver: 'postgres' | 'mariadb'): PageSpec => ({
  driver,
  schema: driver === 'postgres' ? 'public' : 'supplier',
  table: 'penalties',
  columns: ['id', 'uscc'],
  keyColumn: 'id',
  tsColumn: 'updated_at',
  limit: 100,
});

describe('pageQuery: keyset pagination on (updated_at, key)', () => {
  it('PostgreSQL: the row comparison after a position', () => {
    expect(pageQuery(spec('postgres'), { kind: 'after', position: { ts: '2026-03-01 08:00:00+00', key: '42' } })).toEqual({
      sql:
        'SELECT "id", "uscc", ("updated_at")::text AS "__hub_ts", ("id")::text AS "__hub_key" FROM "public"."penalties" ' +
        'WHERE "updated_at" IS NOT NULL AND "id" IS NOT NULL AND ("updated_at", "id") > ($1, $2) ORDER BY "updated_at", "id" LIMIT 100',
      params: ['2026-03-01 08:00:00+00', '42'],
    });
  });

  it('MariaDB: the expanded form, parameters in the order they appear', () => {
    expect(pageQuery(spec('mariadb'), { kind: 'after', position: { ts: '2026-03-01 08:00:00.000000', key: '42' } })).toEqual({
      sql:
        'SELECT `id`, `uscc`, CAST(`updated_at` AS CHAR) AS `__hub_ts`, CAST(`id` AS CHAR) AS `__hub_key` FROM `supplier`.`penalties` ' +
        'WHERE `updated_at` IS NOT NULL AND `id` IS NOT NULL AND `updated_at` >= ? AND (`updated_at` > ? OR (`updated_at` = ? AND `id` > ?)) ORDER BY `updated_at`, `id` LIMIT 100',
      params: ['2026-03-01 08:00:00.000000', '2026-03-01 08:00:00.000000', '2026-03-01 08:00:00.000000', '42'],
    });
  });

  it('a look-back run starts at a timestamp and marks the rows beyond the stored high-water mark', () => {
    const hw = { ts: '2026-03-01 08:05:00', key: '7' };
    expect(pageQuery(spec('postgres'), { kind: 'from-ts', ts: '2026-03-01 08:00:00' }, hw)).toEqual({
      sql:
        'SELECT "id", "uscc", ("updated_at")::text AS "__hub_ts", ("id")::text AS "__hub_key", ("updated_at", "id") > ($1, $2) AS "__hub_beyond" ' +
        'FROM "public"."penalties" WHERE "updated_at" IS NOT NULL AND "id" IS NOT NULL AND "updated_at" >= $3 ORDER BY "updated_at", "id" LIMIT 100',
      params: ['2026-03-01 08:05:00', '7', '2026-03-01 08:00:00'],
    });
    const maria = pageQuery(spec('mariadb'), { kind: 'from-ts', ts: '2026-03-01 08:00:00' }, hw);
    expect(maria.sql).toContain('(`updated_at` > ? OR (`updated_at` = ? AND `id` > ?)) AS `__hub_beyond`');
    expect(maria.params).toEqual(['2026-03-01 08:05:00', '2026-03-01 08:05:00', '7', '2026-03-01 08:00:00']);
  });

  it('the first run reads from the beginning, with no parameter at all', () => {
    expect(pageQuery(spec('postgres'), { kind: 'beginning' }).params).toEqual([]);
  });

  it('never splices a value into the text, only quoted allow-listed names', () => {
    const hostile = "2026-01-01'; DROP TABLE penalties; --";
    const { sql, params } = pageQuery(spec('mariadb'), { kind: 'after', position: { ts: hostile, key: hostile } });
    expect(sql).not.toContain('DROP');
    expect(params.every((p) => p === hostile)).toBe(true);
  });
});

describe('lookBackQuery', () => {
  it('lets the database subtract the window in the column type', () => {
    expect(lookBackQuery('postgres', 'timestamp with time zone')).toBe(`SELECT (CAST($1 AS timestamptz) - $2 * interval '1 second')::text AS "start"`);
    expect(lookBackQuery('mariadb', 'datetime')).toBe('SELECT CAST(CAST(? AS DATETIME(6)) - INTERVAL ? SECOND AS CHAR) AS `start`');
    expect(() => lookBackQuery('postgres', 'integer')).toThrow('unsupported');
  });

  it.each([
    ['postgres', 'timestamp with time zone', true],
    ['postgres', 'timestamp without time zone', true],
    ['postgres', 'date', true],
    ['postgres', 'bigint', false],
    ['mariadb', 'datetime', true],
    ['mariadb', 'timestamp', true],
    ['mariadb', 'varchar', false],
  ] as const)('%s %s as the updated-at column: %s', (driver, type, ok) => {
    expect(isSupportedWatermarkType(driver, type)).toBe(ok);
  });
});

describe('feedbackInsert', () => {
  const row = { batchId: 'b1', recordIndex: 3, rowKey: '42', field: 'uscc', code: 'INVALID_CHECKSUM', message: '校验位错误', value: null, hint: '' };
  const target = { schema: 'public', table: 'hub_feedback', columns: ['batch_id', 'record_index', 'row_key', 'field', 'code', 'message'] as const };

  it('PostgreSQL: ON CONFLICT DO NOTHING makes a repeat a no-op', () => {
    expect(feedbackInsert('postgres', { ...target, columns: [...target.columns] }, [row, { ...row, recordIndex: 4 }])).toEqual({
      sql:
        'INSERT INTO "public"."hub_feedback" ("batch_id", "record_index", "row_key", "field", "code", "message") ' +
        'VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING',
      params: ['b1', 3, '42', 'uscc', 'INVALID_CHECKSUM', '校验位错误', 'b1', 4, '42', 'uscc', 'INVALID_CHECKSUM', '校验位错误'],
    });
  });

  it('MariaDB: a plain INSERT (duplicates are handled row by row, with the INSERT privilege only)', () => {
    const { sql } = feedbackInsert('mariadb', { ...target, schema: 'supplier', columns: [...target.columns, 'value'] }, [row]);
    expect(sql).toBe(
      'INSERT INTO `supplier`.`hub_feedback` (`batch_id`, `record_index`, `row_key`, `field`, `code`, `message`, `value`) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  });
});

describe('dbPollConfigSchema', () => {
  const base = { driver: 'postgres', host: '127.0.0.1', database: 'supplier', username: 'hub_reader', table: 'penalties', keyColumn: 'id', updatedAtColumn: 'updated_at' };

  it('fills the defaults: batches of 500, a 300 s look-back', () => {
    expect(dbPollConfigSchema.parse(base)).toMatchObject({ batchSize: 500, lookBackSeconds: 300, statementTimeoutMs: 60_000 });
  });

  it('refuses repeated columns, a MariaDB schema other than its database, and unknown keys', () => {
    expect(dbPollConfigSchema.safeParse({ ...base, columns: ['a', 'a'] }).success).toBe(false);
    expect(dbPollConfigSchema.safeParse({ ...base, driver: 'mariadb', schema: 'other' }).success).toBe(false);
    expect(dbPollConfigSchema.safeParse({ ...base, query: 'SELECT 1' }).success).toBe(false);
  });
});
