import { HubDatabase } from './hub-database';
import { affectedRows } from './update-result';

export interface ConnectorInstanceRow {
  readonly id: string;
  readonly supplierId: string;
  readonly supplierCode: string;
  readonly itemCode: string;
  readonly kind: string;
  readonly schedule: string;
  readonly config: Record<string, unknown>;
  readonly secrets: string | null;
  readonly enabled: boolean;
  readonly health: 'ok' | 'retrying' | 'failed';
  readonly cursor: Record<string, unknown> | null;
  readonly lastRunAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly lastError: string | null;
  readonly failures: number;
  readonly nextAttemptAt: Date | null;
  readonly batches: number;
  readonly records: number;
  readonly createdAt: Date;
}

export interface PendingFeedback {
  readonly batchId: string;
  readonly instanceId: string;
  readonly label: string;
  readonly address: Record<string, unknown>;
  readonly attempts: number;
}

export interface FeedbackState {
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly deliveredAt: Date | null;
  readonly channel: string;
}

const COLUMNS = `c.id, c.supplier_id AS "supplierId", s.code AS "supplierCode", c.item_code AS "itemCode", c.kind, c.schedule,
  c.config, c.secrets, c.enabled, c.health, c.cursor, c.last_run_at AS "lastRunAt", c.last_success_at AS "lastSuccessAt",
  c.last_error AS "lastError", c.failures, c.next_attempt_at AS "nextAttemptAt", c.batches, c.records, c.created_at AS "createdAt"`;

export class ConnectorRepository {
  constructor(private readonly db: HubDatabase) {}

  async create(input: { supplierId: string; itemCode: string; kind: string; schedule: string; config: unknown; secrets: string | null }): Promise<string> {
    const rows: { id: string }[] = await this.db.dataSource.query(
      `INSERT INTO connector_instances (supplier_id, item_code, kind, schedule, config, secrets) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [input.supplierId, input.itemCode, input.kind, input.schedule, JSON.stringify(input.config), input.secrets],
    );
    return rows[0].id;
  }

  /** A declared instance (config-as-code), created or replaced by name; unchanged definitions are left alone. */
  async upsertDeclared(input: {
    name: string;
    supplierId: string;
    itemCode: string;
    kind: string;
    schedule: string;
    config: unknown;
    secrets: string | null;
    definitionHash: string;
  }): Promise<{ id: string; changed: boolean }> {
    const rows: { id: string; changed: boolean }[] = await this.db.dataSource.query(
      `INSERT INTO connector_instances (name, supplier_id, item_code, kind, schedule, config, secrets, definition_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (name) DO UPDATE SET supplier_id = EXCLUDED.supplier_id, item_code = EXCLUDED.item_code, kind = EXCLUDED.kind,
         schedule = EXCLUDED.schedule, config = EXCLUDED.config, secrets = EXCLUDED.secrets, definition_hash = EXCLUDED.definition_hash,
         health = 'ok', failures = 0, next_attempt_at = NULL
       WHERE connector_instances.definition_hash IS DISTINCT FROM EXCLUDED.definition_hash
       RETURNING id, true AS changed`,
      [input.name, input.supplierId, input.itemCode, input.kind, input.schedule, JSON.stringify(input.config), input.secrets, input.definitionHash],
    );
    if (rows[0]) return rows[0];
    const existing: { id: string }[] = await this.db.dataSource.query('SELECT id FROM connector_instances WHERE name = $1', [input.name]);
    return { id: existing[0].id, changed: false };
  }

  async find(id: string): Promise<ConnectorInstanceRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const rows: ConnectorInstanceRow[] = await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM connector_instances c JOIN suppliers s ON s.id = c.supplier_id WHERE c.id = $1`,
      [id],
    );
    return rows[0];
  }

  async enabled(): Promise<ConnectorInstanceRow[]> {
    return this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM connector_instances c JOIN suppliers s ON s.id = c.supplier_id
       WHERE c.enabled AND c.health <> 'failed' ORDER BY c.created_at`,
    );
  }

  /** One run per instance at a time, across processes: a lease that expires if its holder dies. */
  /** Takes a free (or lapsed) lease, or renews `holding`'s own. */
  async acquireLease(id: string, token: string, seconds: number, holding?: string): Promise<boolean> {
    const rows: unknown[] = await this.db.dataSource.query(
      `UPDATE connector_instances SET lease_until = now() + make_interval(secs => $3), lease_token = $2,
              last_run_at = CASE WHEN $4::uuid IS NULL THEN now() ELSE last_run_at END
       WHERE id = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_token = $4::uuid) RETURNING id`,
      [id, token, seconds, holding ?? null],
    );
    return affectedRows(rows) > 0;
  }

  async releaseLease(id: string, token: string): Promise<void> {
    await this.db.dataSource.query(
      'UPDATE connector_instances SET lease_until = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2',
      [id, token],
    );
  }

  /** Stored only after the broker confirmed the batch the cursor comes after. */
  async advance(id: string, cursor: unknown, records: number, batches: 0 | 1): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE connector_instances SET cursor = $2, batches = batches + $4, records = records + $3 WHERE id = $1`,
      [id, JSON.stringify(cursor), records, batches],
    );
  }

  async succeeded(id: string): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE connector_instances SET health = 'ok', failures = 0, last_error = NULL, next_attempt_at = NULL, last_success_at = now() WHERE id = $1`,
      [id],
    );
  }

  async failed(id: string, health: 'retrying' | 'failed', error: string, retryInSeconds: number | null): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE connector_instances SET health = $2, failures = failures + 1, last_error = $3,
              next_attempt_at = CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(secs => $4::int) END
       WHERE id = $1`,
      [id, health, error.slice(0, 2000), retryInSeconds],
    );
  }

  async addFeedback(batchId: string, instanceId: string, label: string, address: unknown): Promise<void> {
    await this.db.dataSource.query(
      `INSERT INTO batch_feedback (batch_id, instance_id, label, address) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [batchId, instanceId, label, JSON.stringify(address)],
    );
  }

  async dueFeedback(limit: number): Promise<PendingFeedback[]> {
    return this.db.dataSource.query(
      `SELECT batch_id AS "batchId", instance_id AS "instanceId", label, address, attempts FROM batch_feedback
       WHERE state = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1`,
      [limit],
    );
  }

  async feedbackDelivered(batchId: string): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE batch_feedback SET state = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = NULL WHERE batch_id = $1`,
      [batchId],
    );
  }

  async feedbackFailed(batchId: string, error: string, retryInSeconds: number, giveUp: boolean): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE batch_feedback SET attempts = attempts + 1, last_error = $2, state = CASE WHEN $4 THEN 'failed' ELSE 'pending' END,
              next_attempt_at = now() + make_interval(secs => $3) WHERE batch_id = $1`,
      [batchId, error.slice(0, 2000), retryInSeconds, giveUp],
    );
  }

  /** Waiting for a batch that is still processing does not count as a delivery attempt. */
  async feedbackLater(batchId: string, seconds: number): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE batch_feedback SET next_attempt_at = now() + make_interval(secs => $2) WHERE batch_id = $1`,
      [batchId, seconds],
    );
  }

  async feedbackState(batchId: string): Promise<FeedbackState | undefined> {
    const rows: FeedbackState[] = await this.db.dataSource.query(
      `SELECT f.state, f.attempts, f.last_error AS "lastError", f.delivered_at AS "deliveredAt", c.kind AS channel
       FROM batch_feedback f JOIN connector_instances c ON c.id = f.instance_id WHERE f.batch_id = $1`,
      [batchId],
    );
    return rows[0];
  }
}
