import { validateCronExpression } from 'cron';
import { z } from 'zod';
import type { Catalog } from '../../../catalog/catalog';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorError, ConnectorKind, ConnectorManifest } from '../../../connectors/connector.contract';
import { ConnectorRepository } from '../../persistence/connector.repository';
import { SupplierRepository } from '../../persistence/supplier.repository';
import { EgressGuard, hostRefusal, redactUrlCredentials, URL_CREDENTIALS_MESSAGE, urlCredentialPaths } from '../../security/egress-policy';
import { SecretBox } from '../../security/secret-box';
import { ConnectorRuntime, RunResult } from '../connectors/connector-runtime';

export class ConnectorAdminError extends Error {
  constructor(
    readonly code: 'INVALID_CONNECTOR' | 'UNKNOWN_CONNECTOR_KIND' | 'CONNECTOR_NOT_FOUND' | 'SUPPLIER_NOT_FOUND' | 'SECRET_KEY_MISSING',
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export interface ConnectorRegistration {
  readonly supplier: string;
  readonly item: string;
  readonly kind: string;
  readonly schedule: string;
  readonly config: Record<string, unknown>;
}

/** Connector instances per supplier: registered with a validated config, secrets sealed, status without secrets. */
export class ConnectorAdminService {
  constructor(
    private readonly instances: ConnectorRepository,
    private readonly suppliers: SupplierRepository,
    private readonly catalog: Catalog,
    private readonly registry: ReadonlyMap<ConnectorKind, ConnectorManifest<unknown>>,
    private readonly runtime: ConnectorRuntime,
    private readonly secrets: SecretBox | undefined,
    private readonly egress: EgressGuard,
  ) {}

  kinds() {
    return [...this.registry.values()].map((m) => ({ kind: m.kind, version: m.version, title: m.title, capabilities: m.capabilities }));
  }

  kind(kind: string) {
    const manifest = this.manifest(kind);
    return {
      kind: manifest.kind,
      version: manifest.version,
      title: manifest.title,
      capabilities: manifest.capabilities,
      configSchema: z.toJSONSchema(manifest.configSchema as z.ZodType, { unrepresentable: 'any', io: 'input' }),
    };
  }

  async register(input: ConnectorRegistration): Promise<{ id: string; check: { ok: boolean; error?: string } }> {
    const valid = await this.validate(input);
    // The first connection is a check too (table and column names against information_schema, the
    // password, the host key): a configuration error is refused when the connector is registered.
    const check = await this.checkConnection(valid.manifest, valid.fullConfig);
    if (check.errorClass === 'config') {
      throw new ConnectorAdminError('INVALID_CONNECTOR', '连接器配置无效', [{ path: 'config', message: `${check.code}: ${check.message}` }]);
    }
    const id = await this.instances.create({
      supplierId: valid.supplierId,
      itemCode: input.item,
      kind: valid.manifest.kind,
      schedule: input.schedule,
      config: valid.config,
      secrets: valid.sealed,
    });
    // A supplier that is unreachable right now is registered anyway; its first run will retry.
    return { id, check: check.errorClass ? { ok: false, error: `${check.code}: ${check.message}` } : { ok: true } };
  }

  /**
   * Config-as-code: an instance declared in a file, created or replaced by its name. Validated
   * like a registration; its connection is checked at its first run, not at start-up.
   */
  async declare(name: string, input: ConnectorRegistration): Promise<{ id: string; changed: boolean }> {
    const valid = await this.validate(input);
    const definitionHash = createHash('sha256').update(JSON.stringify([input.supplier, input.item, input.kind, input.schedule, valid.fullConfig])).digest('hex');
    return this.instances.upsertDeclared({
      name,
      supplierId: valid.supplierId,
      itemCode: input.item,
      kind: valid.manifest.kind,
      schedule: input.schedule,
      config: valid.config,
      secrets: valid.sealed,
      definitionHash,
    });
  }

  private async validate(input: ConnectorRegistration) {
    const manifest = this.manifest(input.kind);
    const problems: { path: string; message: string }[] = [];
    const supplier = await this.suppliers.findByCode(input.supplier);
    if (!supplier) throw new ConnectorAdminError('SUPPLIER_NOT_FOUND', `报送单位 ${input.supplier} 不存在`);
    if (!this.catalog.find(input.item)) problems.push({ path: 'item', message: `目录中没有信息项 ${input.item}` });
    else if (!supplier.items.includes(input.item)) problems.push({ path: 'item', message: `报送单位不是信息项 ${input.item} 的提供单位` });
    if (!validateCronExpression(input.schedule).valid) problems.push({ path: 'schedule', message: '不是有效的 cron 表达式' });
    // Credentials only in secret fields: a URL with user info would be stored unsealed, returned and logged.
    const withCredentials = urlCredentialPaths(input.config).filter((path) => !manifest.secretFields.includes(path.split('.')[0]));
    problems.push(...withCredentials.map((path) => ({ path: `config.${path}`, message: `URL_CREDENTIALS: ${URL_CREDENTIALS_MESSAGE}` })));
    const parsed = (manifest.configSchema as z.ZodType).safeParse(input.config);
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => ({ path: ['config', ...i.path].join('.'), message: i.message })));
    if (parsed.success && withCredentials.length === 0) problems.push(...(await this.egressProblems(manifest, parsed.data)));
    if (problems.length > 0) throw new ConnectorAdminError('INVALID_CONNECTOR', '连接器配置无效', problems);

    const fullConfig = parsed.data as Record<string, unknown>;
    const config = { ...fullConfig };
    const secretValues: Record<string, unknown> = {};
    for (const field of manifest.secretFields) {
      if (config[field] !== undefined) secretValues[field] = config[field];
      delete config[field];
    }
    let sealed: string | null = null;
    if (Object.keys(secretValues).length > 0) {
      if (!this.secrets) throw new ConnectorAdminError('SECRET_KEY_MISSING', '未配置 HUB_SECRET_KEY，无法保存连接器口令');
      sealed = this.secrets.seal(secretValues);
    }
    return { manifest, supplierId: supplier.id, fullConfig, config, sealed };
  }

  /** Every target of the config against the egress policy (names resolved now; every connection checks again). */
  private async egressProblems(manifest: ConnectorManifest<unknown>, config: unknown): Promise<{ path: string; message: string }[]> {
    const problems: { path: string; message: string }[] = [];
    for (const { path, target } of manifest.egressTargets(config)) {
      const refusal = hostRefusal(target.host) ?? (await this.egress.refusal(target));
      if (refusal) problems.push({ path: `config.${path}`, message: `${refusal.reason}: ${refusal.message}` });
    }
    return problems;
  }

  private async checkConnection(
    manifest: ConnectorManifest<unknown>,
    config: unknown,
  ): Promise<{ errorClass?: 'config' | 'retryable' | 'data'; code?: string; message?: string }> {
    const workDir = mkdtempSync(join(tmpdir(), 'credit-hub-check-'));
    const connector = manifest.create(config, { workDir, now: () => new Date(), log: () => undefined, egress: this.egress });
    try {
      await connector.check();
      return {};
    } catch (e) {
      if (e instanceof ConnectorError) return { errorClass: e.errorClass, code: e.code, message: redactUrlCredentials(e.message) };
      return { errorClass: 'retryable', code: 'CHECK_FAILED', message: redactUrlCredentials((e as Error).message) };
    } finally {
      await connector.close().catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
    }
  }

  async status(id: string) {
    const instance = await this.instances.find(id);
    if (!instance) throw new ConnectorAdminError('CONNECTOR_NOT_FOUND', `连接器 ${id} 不存在`);
    return {
      id: instance.id,
      supplier: instance.supplierCode,
      item: instance.itemCode,
      kind: instance.kind,
      schedule: instance.schedule,
      enabled: instance.enabled,
      health: instance.health,
      // Instances stored before URLs with user info were refused must not hand those credentials out.
      config: redactConfig(instance.config),
      cursor: instance.cursor,
      lastRunAt: instance.lastRunAt,
      lastSuccessAt: instance.lastSuccessAt,
      lastError: instance.lastError === null ? null : redactUrlCredentials(instance.lastError),
      nextAttemptAt: instance.nextAttemptAt,
      counts: { batches: instance.batches, records: instance.records },
    };
  }

  async runNow(id: string): Promise<RunResult> {
    if (!(await this.instances.find(id))) throw new ConnectorAdminError('CONNECTOR_NOT_FOUND', `连接器 ${id} 不存在`);
    return this.runtime.run(id);
  }

  private manifest(kind: string): ConnectorManifest<unknown> {
    const manifest = this.registry.get(kind as ConnectorKind);
    if (!manifest) throw new ConnectorAdminError('UNKNOWN_CONNECTOR_KIND', `未知的连接器类型 ${kind}`);
    return manifest;
  }
}

function redactConfig<T>(value: T): T {
  if (typeof value === 'string') return redactUrlCredentials(value) as T;
  if (Array.isArray(value)) return value.map(redactConfig) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v)])) as T;
  return value;
}
