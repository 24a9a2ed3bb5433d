import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { Connector, ConnectorError, ConnectorKind, ConnectorManifest, ReadBatch } from '../../../connectors/connector.contract';
import { maskPersonalIdsInText } from '../../domain/identity';
import { findUnstorableText } from '../../domain/text/storable-text';
import { ConnectorInstanceRow, ConnectorRepository } from '../../persistence/connector.repository';
import { SupplierRepository } from '../../persistence/supplier.repository';
import { EgressGuard, redactUrlCredentials, urlCredentialPaths } from '../../security/egress-policy';
import { SecretBox } from '../../security/secret-box';
import { IngestError } from '../ingest/ingest-error';
import { IngestService } from '../ingest/ingest.service';

export interface RunResult {
  readonly instanceId: string;
  readonly outcome: 'done' | 'busy' | 'failed';
  readonly batchIds: string[];
  readonly quarantined: string[];
  readonly error?: string;
}

/** Short, and renewed while the run lasts: a killed runner's lease lapses within half a minute. */
const LEASE_SECONDS = 30;
const LEASE_RENEW_MS = 10_000;

/**
 * Runs one connector instance: builds it from its validated config (secrets decrypted only
 * here, never logged), reads batches from the stored cursor, hands each to the ingest service
 * and stores the batch's cursor only once the broker confirmed it (the batch was accepted).
 * Each batch's idempotency key is the instance plus the connector's stable batch key, so a
 * run cut short by a crash replays the unfinished batch without loading anything twice.
 */
export class ConnectorRuntime {
  private readonly log = new Logger('ConnectorRuntime');

  constructor(
    private readonly instances: ConnectorRepository,
    private readonly suppliers: SupplierRepository,
    private readonly ingest: IngestService,
    private readonly registry: ReadonlyMap<ConnectorKind, ConnectorManifest<unknown>>,
    private readonly secrets: SecretBox | undefined,
    private readonly clock: () => Date,
    private readonly egress: EgressGuard,
  ) {}

  async run(instanceId: string): Promise<RunResult> {
    const instance = await this.instances.find(instanceId);
    if (!instance) throw new ConnectorError('config', 'CONNECTOR_NOT_FOUND', `connector ${instanceId} does not exist`);
    const token = randomUUID();
    if (!(await this.instances.acquireLease(instance.id, token, LEASE_SECONDS))) {
      return { instanceId, outcome: 'busy', batchIds: [], quarantined: [] };
    }
    const renewal = setInterval(() => {
      this.instances.acquireLease(instance.id, token, LEASE_SECONDS, token).catch(() => undefined);
    }, LEASE_RENEW_MS);
    const workDir = mkdtempSync(join(tmpdir(), 'credit-hub-connector-'));
    const batchIds: string[] = [];
    const quarantined: string[] = [];
    let connector: Connector | undefined;
    try {
      connector = this.build(instance, workDir);
      await connector.check();
      for await (const batch of connector.read(instance.cursor)) {
        const outcome = await this.ingestBatch(instance, batch);
        if (outcome.kind === 'accepted') batchIds.push(outcome.batchId);
        if (outcome.kind === 'quarantined') quarantined.push(batch.label);
      }
      await this.instances.succeeded(instance.id);
      return { instanceId, outcome: 'done', batchIds, quarantined };
    } catch (e) {
      const error = describe(e);
      const errorClass = e instanceof ConnectorError ? e.errorClass : 'retryable';
      const retryIn = errorClass === 'config' ? null : Math.min(30 * 2 ** Math.min(instance.failures, 6), 3_600);
      await this.instances.failed(instance.id, errorClass === 'config' ? 'failed' : 'retrying', error, retryIn);
      this.log.warn(`connector ${instance.id} (${instance.kind}) ${errorClass} failure: ${error}`);
      return { instanceId, outcome: 'failed', batchIds, quarantined, error };
    } finally {
      clearInterval(renewal);
      await connector?.close().catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
      await this.instances.releaseLease(instance.id, token);
    }
  }

  /** The instance's config with its secrets, validated again by its kind's schema (a stale config fails closed). */
  build(instance: ConnectorInstanceRow, workDir: string): Connector {
    const manifest = this.registry.get(instance.kind as ConnectorKind);
    if (!manifest) throw new ConnectorError('config', 'UNKNOWN_CONNECTOR_KIND', `unknown connector kind ${instance.kind}`);
    // An instance stored before URLs with user info were refused at registration is refused here.
    const withCredentials = urlCredentialPaths(instance.config);
    if (withCredentials.length > 0) {
      throw new ConnectorError('config', 'URL_CREDENTIALS', `${withCredentials.join(', ')}: a URL carries user:password@; move the credentials to the secret fields and register the connector again`);
    }
    const secrets = instance.secrets ? this.secretBox().open(instance.secrets) : {};
    const parsed = (manifest.configSchema as z.ZodType<unknown>).safeParse({ ...instance.config, ...(secrets as object) });
    if (!parsed.success) {
      throw new ConnectorError('config', 'INVALID_CONNECTOR_CONFIG', parsed.error.issues.map((i) => i.path.join('.')).join(', '));
    }
    return manifest.create(parsed.data, {
      workDir,
      now: this.clock,
      log: (level, message) => this.log[level](`[${instance.kind} ${instance.id}] ${redactUrlCredentials(maskPersonalIdsInText(message))}`),
      egress: this.egress,
    });
  }

  private async ingestBatch(
    instance: ConnectorInstanceRow,
    batch: ReadBatch,
  ): Promise<{ kind: 'accepted'; batchId: string } | { kind: 'empty' } | { kind: 'quarantined' }> {
    // A cursor holding text the database cannot store would fail its commit after every publish,
    // and each run would re-read the same batch for ever: stop the connector, say why (issue 11).
    const badCursor = findUnstorableText(batch.cursorAfter);
    if (badCursor) {
      throw new ConnectorError('config', 'CURSOR_INVALID_TEXT', `the connector's next cursor holds text that cannot be stored at ${badCursor.field} (${badCursor.value})`);
    }
    const supplier = await this.suppliers.findByCode(instance.supplierCode);
    if (!supplier) throw new ConnectorError('config', 'SUPPLIER_NOT_FOUND', `supplier ${instance.supplierCode} is gone`);
    let receipt;
    try {
      const records = await nonEmpty(batch.records);
      if (!records) {
        // Nothing new (the last page of a run, an empty file): move the cursor, make no batch.
        await batch.acknowledge?.('');
        await this.instances.advance(instance.id, batch.cursorAfter, 0, 0);
        return { kind: 'empty' };
      }
      receipt = await this.ingest.submitRecords({
        supplier,
        itemCode: instance.itemCode,
        channel: instance.kind,
        idempotencyKey: `${instance.id}:${batch.key}`.slice(0, 200),
        records,
      });
    } catch (e) {
      if (e instanceof IngestError && (e.code === 'MALFORMED_BODY' || e.code === 'ENCODING_MISMATCH' || e.code === 'BODY_TOO_LARGE')) {
        // The data cannot be read: set it aside with the reason and go on with the next batch.
        await batch.quarantine?.(`${e.code}: ${e.message} ${JSON.stringify(e.details)}`);
        await this.instances.advance(instance.id, batch.cursorAfter, 0, 0);
        return { kind: 'quarantined' };
      }
      if (e instanceof IngestError && (e.code === 'BROKER_UNAVAILABLE' || e.code === 'IDEMPOTENCY_IN_PROGRESS')) {
        throw new ConnectorError('retryable', e.code, e.message);
      }
      throw e;
    }
    await batch.acknowledge?.(receipt.batchId);
    await this.instances.advance(instance.id, batch.cursorAfter, receipt.replayed ? 0 : receipt.received, 1);
    await this.instances.addFeedback(receipt.batchId, instance.id, batch.label, batch.feedbackAddress);
    return { kind: 'accepted', batchId: receipt.batchId };
  }

  private secretBox(): SecretBox {
    if (!this.secrets) throw new ConnectorError('config', 'SECRET_KEY_MISSING', 'HUB_SECRET_KEY is not set: connector secrets cannot be opened');
    return this.secrets;
  }
}

/** The records, or undefined when there are none (read errors surface here, before any batch exists). */
async function nonEmpty(records: AsyncIterable<Record<string, unknown>>): Promise<AsyncIterable<Record<string, unknown>> | undefined> {
  const iterator = records[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return undefined;
  return (async function* () {
    yield first.value;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  })();
}

function describe(e: unknown): string {
  const text = e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
  return redactUrlCredentials(maskPersonalIdsInText(text)).slice(0, 2000);
}
