import { isIP } from 'node:net';
import { z } from 'zod';
import { addressRefusal, EgressSettings, hasUrlCredentials, hubDatabaseFromUrl, urlTarget } from '../security/egress-policy';

/**
 * The only place that reads process.env. Every variable is validated at start-up and
 * every problem is reported at once, so an operator fixes the environment in one pass.
 */
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((v) => protocols.some((p) => v.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    })
    .optional();

const intFrom = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const hubEnvSchema = z.object({
  PORT: intFrom(0, 65535, 3000),
  HTTP_REQUEST_TIMEOUT_S: intFrom(1, 3600, 300),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  AMQP_URL: optionalUrl(['amqp', 'amqps']),
  HUB_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  HUB_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  HUB_DATA_DIR: z.string().default('./data'),
  HUB_CONNECTORS_DIR: z.string().optional(),
  HUB_ROLES: z
    .string()
    .default('api,worker,scheduler')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['api', 'worker', 'scheduler'])).min(1)),
  HUB_DEMO_SUPPLIER: z.enum(['on', 'off']).optional(),
  HUB_CLOCK_CONTROL: z.enum(['on', 'off']).default('off'),
  HUB_IDENTITY_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  HUB_IDENTITY_TOKEN_ISSUER: z.string().trim().min(1).max(200).default('credit-hub-idp'),
  HUB_BATCH_QUERY_MAX: intFrom(1, 10_000, 100),
  HUB_NOTIFY_WEBHOOK_URL: optionalUrl(['http', 'https']).refine((v) => v === undefined || !hasUrlCredentials(v), {
    message: 'must not carry user:password@ (the gateway is authenticated by HUB_NOTIFY_WEBHOOK_SECRET)',
  }),
  HUB_EGRESS_ALLOW_PRIVATE: z.enum(['on', 'off']).default('off'),
  HUB_NOTIFY_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  HUB_NOTIFY_TIMEOUT_MS: intFrom(100, 120_000, 10_000),
  NODE_ENV: z.string().optional(),
  INGEST_MAX_BYTES: intFrom(1024, 4 * 1024 * 1024 * 1024, 256 * 1024 * 1024),
  INGEST_CHUNK_SIZE: intFrom(1, 5000, 500),
  INGEST_PUBLISH_TIMEOUT_S: intFrom(5, 3600, 300),
  INGEST_MAX_REJECTIONS_PER_BATCH: intFrom(0, 10_000_000, 10_000),
  INGEST_MAX_RECORD_BYTES: intFrom(1024, 8 * 1024 * 1024, 1024 * 1024),
  INGEST_MAX_FIELDS_PER_RECORD: intFrom(10, 100_000, 500),
  INGEST_MAX_DEPTH: intFrom(2, 256, 32),
  INGEST_MAX_CSV_COLUMNS: intFrom(10, 100_000, 1000),
  // RabbitMQ 4.x refuses messages over 16 MiB (max_message_size): a chunk stays well under it.
  INGEST_CHUNK_MAX_BYTES: intFrom(64 * 1024, 12 * 1024 * 1024, 4 * 1024 * 1024),
  WORKER_PREFETCH: intFrom(1, 1000, 8),
  WORKER_CONCURRENCY: intFrom(1, 64, 4),
  BUS_DELIVERY_LIMIT: intFrom(1, 1000, 10),
  BUS_CONFIRM_TIMEOUT_MS: intFrom(100, 600_000, 15_000),
  DB_POOL_SIZE: intFrom(1, 200, 10),
  DB_STATEMENT_TIMEOUT_MS: intFrom(100, 3_600_000, 60_000),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug']).default('log'),
  // Requests per minute at the public and query-account edge (0 turns a limit off); see RateLimitGuard.
  RATE_LIMIT_PUBLIC_PER_MINUTE: intFrom(0, 1_000_000, 600),
  RATE_LIMIT_ACCOUNT_PER_MINUTE: intFrom(0, 1_000_000, 1200),
  RATE_LIMIT_REPORT_PER_MINUTE: intFrom(0, 1_000_000, 30),
  HUB_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isTrustedProxyEntry, { message: 'each entry: loopback, linklocal, uniquelocal, an IP address or a CIDR' }))),
});

/** What Express's `trust proxy` accepts, checked here so that a typo fails at start-up, not per request. */
function isTrustedProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

export type HubEnv = z.infer<typeof hubEnvSchema>;

export interface HubConfig {
  /**
   * trustedProxies: the proxies whose X-Forwarded-For is believed (Express `trust proxy`); empty:
   * none, the client address is the socket's, so a caller cannot pick its own rate-limit bucket.
   */
  readonly http: { readonly port: number; readonly host: string; readonly trustedProxies: readonly string[]; readonly requestTimeoutMs: number };
  readonly mode: 'services' | 'embedded';
  readonly database: { readonly url?: string; readonly poolSize: number; readonly statementTimeoutMs: number };
  readonly bus: {
    readonly url?: string;
    readonly deliveryLimit: number;
    readonly confirmTimeoutMs: number;
    readonly prefetch: number;
  };
  readonly dataDir: string;
  readonly adminToken?: string;
  /** Connector instances declared as files (config-as-code), and the secrets they name (HUB_CONNECTOR_SECRET_*). */
  readonly connectorsDir?: string;
  readonly connectorSecrets: Readonly<Record<string, string>>;
  /** Encrypts connector secrets at rest; generated and kept with the data in the embedded default. */
  readonly secretKey?: string;
  readonly roles: ReadonlyArray<'api' | 'worker' | 'scheduler'>;
  readonly demoSupplier: boolean;
  /**
   * Lets an operator move the hub's clock (`PUT /api/v1/admin/clock`), for acceptance tests of
   * deadlines. Refused when NODE_ENV=production.
   */
  readonly clockControl: boolean;
  /**
   * 第十七条: the identity provider whose HMAC-signed tokens prove a subject's identity
   * (libs/security/identity-token.ts). Unset: subjects cannot sign in (their tokens are refused).
   */
  readonly identityProvider?: { readonly issuer: string; readonly secret: string };
  /** 第二十条第二款: most subjects a credit service agency may name in one batch query. */
  readonly batchQueryMax: number;
  /**
   * The channel that delivers the notification outbox: the center's message gateway, which
   * POSTs are signed for (libs/pipeline/notifications/webhook-channel.ts). Unset: notices stay
   * in the outbox for operators to read and send.
   */
  readonly notificationWebhook?: { readonly url: string; readonly secret: string; readonly timeoutMs: number };
  /**
   * publishTimeoutSeconds: the longest a batch may stay `receiving`; past it the publisher is taken for dead.
   * The record bounds (issue 11, bounded work per input): a record past any of them is refused
   * with RECORD_TOO_LARGE and its neighbours load; a chunk is cut at chunkMaxBytes as well as at chunkSize records.
   */
  readonly ingest: {
    readonly maxBytes: number;
    readonly chunkSize: number;
    readonly publishTimeoutSeconds: number;
    readonly maxRecordBytes: number;
    readonly maxFieldsPerRecord: number;
    readonly maxDepth: number;
    readonly maxCsvColumns: number;
    readonly chunkMaxBytes: number;
  };
  readonly worker: { readonly concurrency: number };
  /** Most rejection rows stored per batch; further rows are counted (`rejectionsNotStored`), not stored. */
  readonly loader: { readonly maxRejectionsPerBatch: number };
  readonly logLevel: HubEnv['LOG_LEVEL'];
  /**
   * Requests per minute (fixed one-minute windows, counted in PostgreSQL so every api process
   * shares them): anonymous callers per client address, token holders per account or subject,
   * and the PDF credit report on its own. 0 = no limit. Operators and suppliers are not limited.
   */
  readonly rateLimits: { readonly publicPerMinute: number; readonly accountPerMinute: number; readonly reportPerMinute: number };
  /**
   * Where connectors and the webhook may connect (libs/security/egress-policy.ts): loopback,
   * link-local and reserved targets only with HUB_EGRESS_ALLOW_PRIVATE=on; metadata addresses and
   * the hub's own database never.
   */
  readonly egress: EgressSettings;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const raw = blankToUndefined(env);
  const parsed = hubEnvSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  if (Boolean(raw.DATABASE_URL) !== Boolean(raw.AMQP_URL)) {
    problems.push('DATABASE_URL and AMQP_URL: set both (real services) or neither (embedded default)');
  }
  if (parsed.success && !parsed.data.DATABASE_URL && new Set(parsed.data.HUB_ROLES).size < 3) {
    problems.push('HUB_ROLES: the embedded default runs api, worker and scheduler in one process');
  }
  if (parsed.success && parsed.data.HUB_CLOCK_CONTROL === 'on' && parsed.data.NODE_ENV === 'production') {
    problems.push('HUB_CLOCK_CONTROL: a movable clock is for tests; it cannot be on when NODE_ENV=production');
  }
  if (Boolean(raw.HUB_NOTIFY_WEBHOOK_URL) !== Boolean(raw.HUB_NOTIFY_WEBHOOK_SECRET)) {
    problems.push('HUB_NOTIFY_WEBHOOK_URL and HUB_NOTIFY_WEBHOOK_SECRET: set both (notices are signed) or neither (no delivery)');
  }
  if (parsed.success && parsed.data.INGEST_MAX_RECORD_BYTES > parsed.data.INGEST_CHUNK_MAX_BYTES) {
    problems.push('INGEST_MAX_RECORD_BYTES: must not exceed INGEST_CHUNK_MAX_BYTES (one record must fit in one chunk)');
  }
  if (parsed.success && parsed.data.HUB_NOTIFY_WEBHOOK_URL) {
    // An address written as an IP is checked now; a name is checked at every delivery (it may resolve differently).
    const target = urlTarget(parsed.data.HUB_NOTIFY_WEBHOOK_URL);
    const refusal = isIP(target.host)
      ? addressRefusal(target.host, target, { allowPrivate: parsed.data.HUB_EGRESS_ALLOW_PRIVATE === 'on', hubDatabase: hubDatabaseFromUrl(parsed.data.DATABASE_URL) }, new Set())
      : undefined;
    if (refusal) problems.push(`HUB_NOTIFY_WEBHOOK_URL: the egress policy refuses this address (${refusal.reason}); see HUB_EGRESS_ALLOW_PRIVATE`);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const mode = e.DATABASE_URL ? 'services' : 'embedded';
  return {
    http: { port: e.PORT, host: e.HOST, trustedProxies: e.HUB_TRUSTED_PROXIES, requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_S * 1000 },
    mode,
    database: { url: e.DATABASE_URL, poolSize: e.DB_POOL_SIZE, statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS },
    bus: {
      url: e.AMQP_URL,
      deliveryLimit: e.BUS_DELIVERY_LIMIT,
      confirmTimeoutMs: e.BUS_CONFIRM_TIMEOUT_MS,
      prefetch: e.WORKER_PREFETCH,
    },
    dataDir: e.HUB_DATA_DIR,
    adminToken: e.HUB_ADMIN_TOKEN,
    secretKey: e.HUB_SECRET_KEY,
    connectorsDir: e.HUB_CONNECTORS_DIR,
    connectorSecrets: Object.fromEntries(
      Object.entries(raw).filter((entry): entry is [string, string] => entry[0].startsWith('HUB_CONNECTOR_SECRET_') && entry[1] !== undefined),
    ),
    roles: [...new Set(e.HUB_ROLES)],
    demoSupplier: e.HUB_DEMO_SUPPLIER ? e.HUB_DEMO_SUPPLIER === 'on' : mode === 'embedded',
    clockControl: e.HUB_CLOCK_CONTROL === 'on',
    identityProvider: e.HUB_IDENTITY_TOKEN_SECRET ? { issuer: e.HUB_IDENTITY_TOKEN_ISSUER, secret: e.HUB_IDENTITY_TOKEN_SECRET } : undefined,
    batchQueryMax: e.HUB_BATCH_QUERY_MAX,
    notificationWebhook:
      e.HUB_NOTIFY_WEBHOOK_URL && e.HUB_NOTIFY_WEBHOOK_SECRET
        ? { url: e.HUB_NOTIFY_WEBHOOK_URL, secret: e.HUB_NOTIFY_WEBHOOK_SECRET, timeoutMs: e.HUB_NOTIFY_TIMEOUT_MS }
        : undefined,
    ingest: {
      maxBytes: e.INGEST_MAX_BYTES,
      chunkSize: e.INGEST_CHUNK_SIZE,
      publishTimeoutSeconds: e.INGEST_PUBLISH_TIMEOUT_S,
      maxRecordBytes: e.INGEST_MAX_RECORD_BYTES,
      maxFieldsPerRecord: e.INGEST_MAX_FIELDS_PER_RECORD,
      maxDepth: e.INGEST_MAX_DEPTH,
      maxCsvColumns: e.INGEST_MAX_CSV_COLUMNS,
      chunkMaxBytes: e.INGEST_CHUNK_MAX_BYTES,
    },
    worker: { concurrency: e.WORKER_CONCURRENCY },
    loader: { maxRejectionsPerBatch: e.INGEST_MAX_REJECTIONS_PER_BATCH },
    logLevel: e.LOG_LEVEL,
    rateLimits: {
      publicPerMinute: e.RATE_LIMIT_PUBLIC_PER_MINUTE,
      accountPerMinute: e.RATE_LIMIT_ACCOUNT_PER_MINUTE,
      reportPerMinute: e.RATE_LIMIT_REPORT_PER_MINUTE,
    },
    egress: { allowPrivate: e.HUB_EGRESS_ALLOW_PRIVATE === 'on', hubDatabase: hubDatabaseFromUrl(e.DATABASE_URL) },
  };
}

function blankToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) out[k] = v === '' ? undefined : v;
  return out;
}
