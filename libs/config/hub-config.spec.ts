/**
 * The hub's configuration, read once from the environment (API.md "Running it"). Unset
 * DATABASE_URL and AMQP_URL mean the embedded default; every bad variable is reported in one
 * ConfigError so an operator fixes the environment in one pass.
 */
import { ConfigError, type HubConfig, loadHubConfig } from './hub-config';

const SERVICES = {
  DATABASE_URL: 'postgres://hub:secret@db.internal:5432/credit_hub',
  AMQP_URL: 'amqp://hub:secret@mq.internal:5672',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadHubConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadHubConfig — defaults (the embedded default)', () => {
  let config: HubConfig;
  beforeAll(() => {
    config = loadHubConfig({});
  });

  it('runs embedded when neither DATABASE_URL nor AMQP_URL is set', () => {
    expect(config.mode).toBe('embedded');
    expect(config.database.url).toBeUndefined();
    expect(config.bus.url).toBeUndefined();
  });

  it('listens on port 3000 of every interface', () => {
    expect(config.http).toEqual({ port: 3000, host: '0.0.0.0', trustedProxies: [], requestTimeoutMs: 300_000 });
  });

  it('gives a request 300 s to arrive whole, and reads HTTP_REQUEST_TIMEOUT_S in seconds (1 to 3600)', () => {
    expect(loadHubConfig({ HTTP_REQUEST_TIMEOUT_S: '20' }).http.requestTimeoutMs).toBe(20_000);
    expect(() => loadHubConfig({ HTTP_REQUEST_TIMEOUT_S: '0' })).toThrow(/HTTP_REQUEST_TIMEOUT_S/);
  });

  it('keeps its data under ./data', () => {
    expect(config.dataDir).toBe('./data');
  });

  it('leaves the admin token unset (the hub then generates and prints one)', () => {
    expect(config.adminToken).toBeUndefined();
  });

  it('runs api, worker and scheduler in one process, with the demo supplier', () => {
    expect(config.roles).toEqual(['api', 'worker', 'scheduler']);
    expect(config.demoSupplier).toBe(true);
  });

  it('has the documented tuning defaults', () => {
    expect(config.ingest).toEqual({ maxBytes: 256 * 1024 * 1024, chunkSize: 500, publishTimeoutSeconds: 300, maxRecordBytes: 1024 * 1024, maxFieldsPerRecord: 500, maxDepth: 32, maxCsvColumns: 1000, chunkMaxBytes: 4 * 1024 * 1024 });
    expect(config.worker).toEqual({ concurrency: 4 });
    expect(config.database).toEqual({ url: undefined, poolSize: 10, statementTimeoutMs: 60_000 });
    expect(config.bus).toEqual({ url: undefined, deliveryLimit: 10, confirmTimeoutMs: 15_000, prefetch: 8 });
    expect(config.logLevel).toBe('log');
  });

  it('treats empty variables as unset', () => {
    const blank = loadHubConfig({ PORT: '', DATABASE_URL: '', AMQP_URL: '', HUB_ROLES: '', HUB_DATA_DIR: '' });
    expect(blank).toEqual(config);
  });

  it('ignores variables it does not own', () => {
    expect(loadHubConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production' })).toEqual(config);
  });
});

describe('loadHubConfig — real services', () => {
  it('runs in services mode when both DATABASE_URL and AMQP_URL are set', () => {
    const config = loadHubConfig(SERVICES);
    expect(config.mode).toBe('services');
    expect(config.database.url).toBe(SERVICES.DATABASE_URL);
    expect(config.bus.url).toBe(SERVICES.AMQP_URL);
    expect(config.demoSupplier).toBe(false);
  });

  it.each([
    { DATABASE_URL: 'postgresql://db/hub', AMQP_URL: 'amqps://mq' },
    { DATABASE_URL: '  postgres://db/hub  ', AMQP_URL: 'amqp://mq' },
  ])('accepts postgres(ql):// and amqp(s):// URLs (%o)', (env) => {
    expect(loadHubConfig(env).mode).toBe('services');
  });

  it.each([
    { name: 'DATABASE_URL alone', env: { DATABASE_URL: SERVICES.DATABASE_URL } },
    { name: 'AMQP_URL alone', env: { AMQP_URL: SERVICES.AMQP_URL } },
  ])('$name is refused with a ConfigError naming both variables', ({ env }) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('DATABASE_URL');
    expect(problems[0]).toContain('AMQP_URL');
  });

  it.each([
    { name: 'DATABASE_URL', env: { ...SERVICES, DATABASE_URL: 'mysql://db/hub' } },
    { name: 'AMQP_URL', env: { ...SERVICES, AMQP_URL: 'http://mq:15672' } },
  ])('a $name with the wrong scheme is refused, naming the variable', ({ name, env }) => {
    expect(problemsOf(env)).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
  });

  it('the demo supplier can be switched on explicitly', () => {
    expect(loadHubConfig({ ...SERVICES, HUB_DEMO_SUPPLIER: 'on' }).demoSupplier).toBe(true);
    expect(loadHubConfig({ HUB_DEMO_SUPPLIER: 'off' }).demoSupplier).toBe(false);
  });

  it('the movable clock is off unless asked for, and refused in production', () => {
    expect(loadHubConfig({}).clockControl).toBe(false);
    expect(loadHubConfig({ HUB_CLOCK_CONTROL: 'on' }).clockControl).toBe(true);
    expect(problemsOf({ HUB_CLOCK_CONTROL: 'on', NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^HUB_CLOCK_CONTROL: /)]);
  });

  it('subjects can sign in only once an identity provider secret is configured', () => {
    expect(loadHubConfig({}).identityProvider).toBeUndefined();
    const secret = 'a'.repeat(32);
    expect(loadHubConfig({ HUB_IDENTITY_TOKEN_SECRET: secret }).identityProvider).toEqual({ issuer: 'credit-hub-idp', secret });
    expect(problemsOf({ HUB_IDENTITY_TOKEN_SECRET: 'short' })).toEqual([expect.stringMatching(/^HUB_IDENTITY_TOKEN_SECRET: /)]);
  });

  it('delivers notices only once a webhook and its signing secret are both configured', () => {
    expect(loadHubConfig({}).notificationWebhook).toBeUndefined();
    const secret = 's'.repeat(32);
    expect(loadHubConfig({ HUB_NOTIFY_WEBHOOK_URL: 'https://msg.example.gov.cn/notices', HUB_NOTIFY_WEBHOOK_SECRET: secret }).notificationWebhook).toEqual({
      url: 'https://msg.example.gov.cn/notices',
      secret,
      timeoutMs: 10_000,
    });
    expect(problemsOf({ HUB_NOTIFY_WEBHOOK_URL: 'https://msg.example.gov.cn/notices' })).toEqual([expect.stringMatching(/^HUB_NOTIFY_WEBHOOK_URL and HUB_NOTIFY_WEBHOOK_SECRET: /)]);
    expect(problemsOf({ HUB_NOTIFY_WEBHOOK_URL: 'ftp://msg.example.gov.cn', HUB_NOTIFY_WEBHOOK_SECRET: secret })).toEqual([expect.stringMatching(/^HUB_NOTIFY_WEBHOOK_URL: /)]);
    expect(problemsOf({ HUB_NOTIFY_WEBHOOK_URL: 'https://msg.example.gov.cn', HUB_NOTIFY_WEBHOOK_SECRET: 'short' })).toEqual([expect.stringMatching(/^HUB_NOTIFY_WEBHOOK_SECRET: /)]);
  });
});

describe('loadHubConfig — every bad variable at once', () => {
  it('reports several bad variables together in one ConfigError', () => {
    const env = { PORT: 'abc', LOG_LEVEL: 'verbose', INGEST_CHUNK_SIZE: '0', HUB_ADMIN_TOKEN: 'short' };
    const problems = problemsOf(env);
    expect(problems).toHaveLength(4);
    for (const name of Object.keys(env)) expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${name}: `)));
  });

  it('the ConfigError carries the code CONFIG_INVALID and lists every problem in its message', () => {
    let error: unknown;
    try {
      loadHubConfig({ PORT: '70000', WORKER_CONCURRENCY: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('CONFIG_INVALID');
    expect(configError.message).toContain('PORT');
    expect(configError.message).toContain('WORKER_CONCURRENCY');
  });

  it.each([
    { name: 'PORT', value: '65536' },
    { name: 'PORT', value: '80.5' },
    { name: 'INGEST_MAX_BYTES', value: '100' },
    { name: 'DB_POOL_SIZE', value: '0' },
    { name: 'BUS_CONFIRM_TIMEOUT_MS', value: 'soon' },
    { name: 'HUB_DEMO_SUPPLIER', value: 'yes' },
    { name: 'INGEST_MAX_RECORD_BYTES', value: '10' },
    { name: 'INGEST_MAX_FIELDS_PER_RECORD', value: 'many' },
    { name: 'INGEST_MAX_DEPTH', value: '1000' },
    { name: 'INGEST_MAX_CSV_COLUMNS', value: '0' },
    { name: 'INGEST_CHUNK_MAX_BYTES', value: String(64 * 1024 * 1024) },
  ])('$name=$value is out of range', ({ name, value }) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
  });

  it('refuses a record limit larger than a chunk: one record must fit in one broker message', () => {
    expect(problemsOf({ INGEST_MAX_RECORD_BYTES: String(8 * 1024 * 1024), INGEST_CHUNK_MAX_BYTES: String(4 * 1024 * 1024) })).toEqual([
      expect.stringMatching(/^INGEST_MAX_RECORD_BYTES: /),
    ]);
  });

  it('reads numbers from their text', () => {
    const config = loadHubConfig({ PORT: '8080', INGEST_CHUNK_SIZE: '1000', INGEST_MAX_BYTES: '1048576' });
    expect(config.http.port).toBe(8080);
    expect(config.ingest).toMatchObject({ maxBytes: 1_048_576, chunkSize: 1000, publishTimeoutSeconds: 300 });
  });
});

describe('loadHubConfig — HUB_ROLES', () => {
  it.each([
    { value: 'api', roles: ['api'] },
    { value: 'worker,scheduler', roles: ['worker', 'scheduler'] },
    { value: ' api , worker ', roles: ['api', 'worker'] },
    { value: 'api,,worker,', roles: ['api', 'worker'] },
  ])('with real services, "$value" runs $roles', ({ value, roles }) => {
    expect(loadHubConfig({ ...SERVICES, HUB_ROLES: value }).roles).toEqual(roles);
  });

  it('an unknown role is refused, naming HUB_ROLES', () => {
    expect(problemsOf({ ...SERVICES, HUB_ROLES: 'api,web' })).toEqual([expect.stringMatching(/^HUB_ROLES/)]);
  });

  it('a list of only separators is refused', () => {
    expect(problemsOf({ ...SERVICES, HUB_ROLES: ' , ' })).toEqual([expect.stringMatching(/^HUB_ROLES/)]);
  });

  it('the embedded default refuses to run only some roles', () => {
    expect(problemsOf({ HUB_ROLES: 'api' })).toEqual([expect.stringMatching(/^HUB_ROLES/)]);
  });

  it('the embedded default accepts all three roles in any order', () => {
    expect(loadHubConfig({ HUB_ROLES: 'scheduler,api,worker' }).roles).toEqual(['scheduler', 'api', 'worker']);
  });
});

/** Issue 11, finding 7: rate limits and whose X-Forwarded-For is believed, validated at start-up. */
describe('loadHubConfig — rate limits and trusted proxies', () => {
  it('limits by default, high enough for honest use, and believes no proxy', () => {
    const config = loadHubConfig({});
    expect(config.rateLimits).toEqual({ publicPerMinute: 600, accountPerMinute: 1200, reportPerMinute: 30 });
    expect(config.http.trustedProxies).toEqual([]);
  });

  it('takes 0 as "no limit" and reads each limit from its variable', () => {
    const config = loadHubConfig({ RATE_LIMIT_PUBLIC_PER_MINUTE: '0', RATE_LIMIT_ACCOUNT_PER_MINUTE: '50', RATE_LIMIT_REPORT_PER_MINUTE: '0' });
    expect(config.rateLimits).toEqual({ publicPerMinute: 0, accountPerMinute: 50, reportPerMinute: 0 });
  });

  it('refuses negative, fractional and non-numeric limits, all at once', () => {
    const problems = problemsOf({ RATE_LIMIT_PUBLIC_PER_MINUTE: '-1', RATE_LIMIT_ACCOUNT_PER_MINUTE: '1.5', RATE_LIMIT_REPORT_PER_MINUTE: 'many' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['RATE_LIMIT_ACCOUNT_PER_MINUTE', 'RATE_LIMIT_PUBLIC_PER_MINUTE', 'RATE_LIMIT_REPORT_PER_MINUTE']);
  });

  it('reads HUB_TRUSTED_PROXIES as a list of names, addresses and CIDRs', () => {
    const config = loadHubConfig({ HUB_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8,fd00::/8 ,192.0.2.10' });
    expect(config.http.trustedProxies).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.10']);
  });

  it.each(['everyone', '10.0.0.0/33', '10.0.0/8', 'fd00::/129', '10.0.0.1/8/2'])('refuses the trusted proxy %s', (entry) => {
    expect(problemsOf({ HUB_TRUSTED_PROXIES: entry })[0]).toMatch(/^HUB_TRUSTED_PROXIES/);
  });
});

describe('the egress setting (issue 11, finding 10)', () => {
  const secret = 's'.repeat(32);

  it('allows no private targets unless HUB_EGRESS_ALLOW_PRIVATE=on, and knows the hub database from DATABASE_URL', () => {
    expect(loadHubConfig({}).egress).toEqual({ allowPrivate: false, hubDatabase: undefined });
    expect(
      loadHubConfig({ HUB_EGRESS_ALLOW_PRIVATE: 'on', DATABASE_URL: 'postgres://hub@db.internal:6543/credit', AMQP_URL: 'amqp://mq' }).egress,
    ).toEqual({ allowPrivate: true, hubDatabase: { host: 'db.internal', port: 6543, database: 'credit' } });
    expect(problemsOf({ HUB_EGRESS_ALLOW_PRIVATE: 'yes' })).toEqual([expect.stringMatching(/^HUB_EGRESS_ALLOW_PRIVATE: /)]);
  });

  it('refuses a webhook URL with user info, and one written as a refused address', () => {
    expect(problemsOf({ HUB_NOTIFY_WEBHOOK_URL: 'https://hub:pw@msg.example.gov.cn/n', HUB_NOTIFY_WEBHOOK_SECRET: secret })).toEqual([
      expect.stringMatching(/^HUB_NOTIFY_WEBHOOK_URL: must not carry user:password@/),
    ]);
    expect(problemsOf({ HUB_NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9000/n', HUB_NOTIFY_WEBHOOK_SECRET: secret })).toEqual([expect.stringMatching(/LOOPBACK/)]);
    expect(problemsOf({ HUB_NOTIFY_WEBHOOK_URL: 'http://169.254.169.254/n', HUB_NOTIFY_WEBHOOK_SECRET: secret, HUB_EGRESS_ALLOW_PRIVATE: 'on' })).toEqual([
      expect.stringMatching(/METADATA/),
    ]);
    expect(loadHubConfig({ HUB_NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9000/n', HUB_NOTIFY_WEBHOOK_SECRET: secret, HUB_EGRESS_ALLOW_PRIVATE: 'on' }).notificationWebhook?.url).toBe(
      'http://127.0.0.1:9000/n',
    );
  });
});
