import { INestApplicationContext, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, text } from 'express';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiModule } from '../../api/src/api.module';
import { mountSoapIngest } from '../../api/src/soap/soap-ingest';
import { bodyTextHygiene, requestTextHygiene } from '../../api/src/request-hygiene';
import { QueryContextFactory } from '../../api/src/query/query-context.factory';
import { SubjectQueryService } from '../../../libs/pipeline/query/subject-query.service';
import { HubMetrics } from '../../../libs/observability/metrics';
import { IngestService } from '../../../libs/pipeline/ingest/ingest.service';
import { BatchReportService } from '../../../libs/pipeline/reports/batch-report.service';
import { SchedulerModule } from '../../scheduler/src/scheduler.module';
import { WorkerModule } from '../../worker/src/worker.module';
import { ConfigError, HubConfig, loadHubConfig } from '../../../libs/config/hub-config';
import { MaskingLogger } from '../../../libs/observability/masking-logger';
import { secureDataDir } from '../../../libs/persistence/embedded-postgres';
import { SupplierRepository } from '../../../libs/persistence/supplier.repository';
import { SupplierAdminService } from '../../../libs/pipeline/admin/supplier-admin.service';
import { hashApiKey } from '../../../libs/http/api-key';
import { requestDeadline } from '../../../libs/http/request-deadline';
import { ConfigModule } from '../../../libs/runtime/config.module';
import { Catalog } from '../../../catalog/catalog';
import { mappingJsonSchema } from '../../../mappings/mapping.schema';

export type Role = 'api' | 'worker' | 'scheduler';

const ROLE_MODULES: Record<Role, Type> = { api: ApiModule, worker: WorkerModule, scheduler: SchedulerModule };
const DEMO_SUPPLIER = 'demo';

export interface BootedHub {
  readonly app: INestApplicationContext;
  readonly config: HubConfig;
  readonly url?: string;
}

/**
 * One code path for every way the hub runs: all roles in one process (`npm start`), or one
 * role per process (`node dist/apps/worker/src/main.js`) sharing RabbitMQ and PostgreSQL.
 */
export async function bootHub(options: { roles?: Role[]; env?: NodeJS.ProcessEnv } = {}): Promise<BootedHub> {
  const env = { ...(options.env ?? process.env) };
  if (options.roles) env.HUB_ROLES = options.roles.join(',');
  let config: HubConfig;
  let createdSecrets: KeptSecrets;
  try {
    ({ config, created: createdSecrets } = withAdminToken(loadHubConfig(env)));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`credit-hub cannot start.\n${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const logger = new MaskingLogger(config.logLevel);
  const log = new Logger('Hub');

  @Module({ imports: [ConfigModule.forRoot(config), ...config.roles.map((r) => ROLE_MODULES[r])] })
  class HubModule {}

  const app = config.roles.includes('api')
    ? await NestFactory.create<NestExpressApplication>(HubModule, { bodyParser: false, logger })
    : await NestFactory.createApplicationContext(HubModule, { logger });
  app.enableShutdownHooks();

  let url: string | undefined;
  if (config.roles.includes('api')) {
    const http = app as NestExpressApplication;
    // X-Forwarded-For names the client (and its rate-limit bucket) only behind proxies the operator lists.
    http.set('trust proxy', config.http.trustedProxies.length > 0 ? [...config.http.trustedProxies] : false);
    // A request arrives whole within HTTP_REQUEST_TIMEOUT_S or is refused 408 (slow uploads, issue 11).
    http.use(requestDeadline(config.http.requestTimeoutMs));
    // Text that cannot be stored in a path, parameter or data header: 400 INVALID_REQUEST before any route (issue 11).
    const hygiene = { queries: http.get(SubjectQueryService), contexts: http.get(QueryContextFactory) };
    http.use(requestTextHygiene(hygiene));
    // Says nothing about the framework to whoever asks (issue 11, finding 11).
    http.disable('x-powered-by');
    // SOAP push (API.md): mounted before the body parsers and before listen, with its own bounded reader.
    await mountSoapIngest(http, {
      ingest: http.get(IngestService),
      reports: http.get(BatchReportService),
      suppliers: http.get(SupplierRepository),
      maxBodyBytes: Math.min(config.ingest.maxBytes, 32 * 1024 * 1024), // node-soap holds the whole message as objects
      log: new Logger('SoapIngest'),
      recordsReceived: http.get(HubMetrics).recordsReceived,
    });
    type Middleware = (req: unknown, res: unknown, next: (e?: unknown) => void) => void;
    const jsonBody = json({ limit: '1mb' }) as Middleware;
    const yamlBody = text({ limit: '1mb', type: ['application/yaml', 'application/x-yaml', 'text/yaml'] }) as Middleware;
    const bodyHygiene = bodyTextHygiene(hygiene) as Middleware;
    // Ingest bodies are streamed by their controller, never buffered by a body parser.
    http.use((req: { method: string; path: string }, res: unknown, next: (e?: unknown) => void) =>
      req.method === 'POST' && req.path.startsWith('/api/v1/ingest/')
        ? next()
        : jsonBody(req, res, (e?: unknown) => (e ? next(e) : yamlBody(req, res, (y?: unknown) => (y ? next(y) : bodyHygiene(req, res, next))))),
    );
    SwaggerModule.setup('api/docs', http, buildOpenApi(http), { jsonDocumentUrl: 'api/docs-json' });
    await http.listen(config.http.port, config.http.host);
    url = (await http.getUrl()).replace('[::1]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1');
    log.log(`credit-hub API listening on ${url} (${config.mode === 'embedded' ? `embedded default, data in ${resolve(config.dataDir)}` : 'PostgreSQL + RabbitMQ'})`);
  }
  log.log(`roles: ${config.roles.join(', ')}`);
  if (config.mode === 'embedded' && !env.HUB_ADMIN_TOKEN) {
    // Printed once, when it is made; later starts say where it is kept (a log is read by more people than the data folder).
    const where = join(resolve(config.dataDir), 'admin-token');
    log.log(createdSecrets.adminToken ? `operator token (HUB_ADMIN_TOKEN): ${config.adminToken} (kept in ${where})` : `operator token (HUB_ADMIN_TOKEN) is kept in ${where}`);
  }
  if (config.demoSupplier && config.roles.includes('api')) await ensureDemoSupplier(app, config, log);
  // PGlite writes some files (pg_internal.init) with its own modes while it starts and migrates: tightened again once up.
  if (config.mode === 'embedded') secureDataDir(config.dataDir);
  return { app, config, url };
}

export function buildOpenApi(app: NestExpressApplication) {
  const document = new DocumentBuilder()
    .setTitle('credit-hub')
    .setDescription(
      '公共信用信息归集与共享枢纽 API（契约见 API.md）。错误响应统一为 {"error": {"code", "message", "details"}}。SOAP 报送：GET /soap/v1/ingest?wsdl。',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', description: '报送单位 API Key' }, 'supplierKey')
    .addBearerAuth({ type: 'http', description: '运营人员令牌' }, 'operatorToken')
    .addBearerAuth({ type: 'http', description: '信用主体身份令牌（身份认证机构签发，sid1. 开头，第十七条）' }, 'identityToken')
    .addBearerAuth({ type: 'http', description: '查询账户令牌（政务用户、被授权查询人、信用服务机构，cqa_ 开头）；政务用户另需 X-Query-Purpose' }, 'queryAccountToken')
    .build();
  const openApi = SwaggerModule.createDocument(app, document);
  openApi.components = { ...openApi.components, schemas: { ...openApi.components?.schemas, MappingDocument: mappingJsonSchema() } };
  return openApi;
}

interface KeptSecrets {
  /** True when the operator token was generated by this start (and so may be printed). */
  readonly adminToken: boolean;
}

/**
 * In the embedded default an unset operator token or secret key is generated once and kept with
 * the data, in a folder only the hub's user can read (0700, files 0600, older files tightened).
 */
function withAdminToken(config: HubConfig): { config: HubConfig; created: KeptSecrets } {
  if (config.mode !== 'embedded') return { config, created: { adminToken: false } };
  secureDataDir(config.dataDir);
  const adminToken = config.adminToken === undefined ? keptSecret(config.dataDir, 'admin-token', 24) : { value: config.adminToken, created: false };
  return {
    config: { ...config, adminToken: adminToken.value, secretKey: config.secretKey ?? keptSecret(config.dataDir, 'secret-key', 32).value },
    created: { adminToken: adminToken.created },
  };
}

function keptSecret(dataDir: string, name: string, bytes: number): { value: string; created: boolean } {
  const file = join(dataDir, name);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const created = !existsSync(file);
  if (created) writeFileSync(file, randomBytes(bytes).toString('base64url'), { mode: 0o600 });
  return { value: readFileSync(file, 'utf8').trim(), created };
}

/** The quick start's demo supplier: provider of every catalog item, its key kept with the data. */
async function ensureDemoSupplier(app: INestApplicationContext, config: HubConfig, log: Logger): Promise<void> {
  const suppliers = app.get(SupplierRepository);
  const keyFile = join(config.dataDir, 'demo-supplier.key');
  mkdirSync(config.dataDir, { recursive: true });
  const existing = await suppliers.findByCode(DEMO_SUPPLIER);
  if (!existing) {
    const items = app.get(Catalog).all().map((i) => i.code);
    const key = (await app.get(SupplierAdminService).register({ code: DEMO_SUPPLIER, name: '演示报送单位', items })).apiKey;
    writeFileSync(keyFile, key, { mode: 0o600 });
    // Printed once, when it is made.
    log.log(`demo supplier "${DEMO_SUPPLIER}" API key: ${key} (kept in ${resolve(keyFile)})`);
    return;
  }
  const key = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
  const kept = key !== undefined && (await suppliers.findByApiKeyHash(hashApiKey(key))) !== undefined;
  log.log(
    kept
      ? `demo supplier "${DEMO_SUPPLIER}" exists; its API key is kept in ${resolve(keyFile)}`
      : `demo supplier "${DEMO_SUPPLIER}" exists; its key was printed when it was created`,
  );
}
