import type { EntityManager } from 'typeorm';
import { type RepairDecider, type RepairState, RightsError } from '../domain/rights';
import { HubDatabase } from './hub-database';
import { type OutboxNotice, OutboxRepository } from './outbox.repository';
import { applyRecordUpdate, isUniqueViolation, isUuid, lockApplication, lockExistingRecord, pageInFilingOrder, type RecordUpdate, type RightsListing, type RightsRecordRow } from './rights-record.repository';

export interface RepairRow {
  readonly id: string;
  readonly recordId: string;
  readonly supplierId: string;
  readonly supplierCode: string;
  readonly itemCode: string;
  readonly applicantCode: string;
  readonly filedBy: 'subject' | 'operator';
  readonly reason: string;
  readonly evidence: string;
  readonly state: RepairState;
  readonly decidedBy: RepairDecider | null;
  readonly decisionReason: string | null;
  readonly decidedAt: Date | null;
  readonly createdAt: Date;
}

export interface RepairFiling {
  readonly id: string;
  readonly applicantCode: string;
  readonly filedBy: 'subject' | 'operator';
  readonly reason: string;
  readonly evidence: string;
  readonly notices: readonly OutboxNotice[];
  readonly at: Date;
}

export interface RepairDecisionChange {
  readonly state: 'approved' | 'rejected';
  readonly decidedBy: RepairDecider;
  readonly decisionReason: string;
  readonly record?: RecordUpdate;
  readonly actor: string;
  readonly notices: readonly OutboxNotice[];
  readonly at: Date;
}

const REPAIR_COLUMNS = `a.id, a.record_id AS "recordId", a.supplier_id AS "supplierId", s.code AS "supplierCode", r.item_code AS "itemCode",
  a.applicant_code AS "applicantCode", a.filed_by AS "filedBy", a.reason, a.evidence, a.state, a.decided_by AS "decidedBy",
  a.decision_reason AS "decisionReason", a.decided_at AS "decidedAt", a.created_at AS "createdAt"`;
const REPAIR_FROM = 'repair_applications a JOIN suppliers s ON s.id = a.supplier_id JOIN credit_records r ON r.id = a.record_id';
const REPAIR_LISTING: RightsListing = { table: 'repair_applications', alias: 'a', columns: REPAIR_COLUMNS, from: REPAIR_FROM };

/**
 * Credit repair applications (第二十三条). The application and the decision each run in one
 * transaction with the record locked; approval writes the record's status `repaired`, its status
 * event and the notices together.
 */
export class RepairRepository {
  private readonly outbox: OutboxRepository;

  constructor(private readonly db: HubDatabase) {
    this.outbox = new OutboxRepository(db);
  }

  async create(recordId: string, build: (record: RightsRecordRow) => RepairFiling): Promise<RepairRow> {
    try {
      return await this.db.dataSource.transaction(async (tx) => {
        const record = await lockExistingRecord(tx, recordId);
        const filing = build(record);
        const pending: unknown[] = await tx.query(`SELECT 1 FROM repair_applications WHERE record_id = $1 AND state = 'pending'`, [record.id]);
        if (pending.length > 0) throw alreadyPending();
        await tx.query(
          `INSERT INTO repair_applications (id, record_id, supplier_id, applicant_code, filed_by, reason, evidence, state, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)`,
          [filing.id, record.id, record.supplierId, filing.applicantCode, filing.filedBy, filing.reason, filing.evidence, filing.at],
        );
        await this.outbox.enqueue(filing.notices, tx);
        return (await findIn(tx, filing.id)) as RepairRow;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'repair_applications_one_pending')) throw alreadyPending();
      throw e;
    }
  }

  async decide(id: string, build: (application: RepairRow, record: RightsRecordRow) => RepairDecisionChange): Promise<RepairRow> {
    if (!isUuid(id)) throw notFound();
    return this.db.dataSource.transaction(async (tx) => {
      const record = await lockApplication(tx, 'repair_applications', id);
      if (!record) throw notFound();
      const application = (await findIn(tx, id)) as RepairRow;
      const change = build(application, record);
      await tx.query(
        `UPDATE repair_applications SET state = $2, decided_by = $3, decision_reason = $4, decided_at = $5 WHERE id = $1`,
        [id, change.state, change.decidedBy, change.decisionReason, change.at],
      );
      if (change.record) await applyRecordUpdate(tx, record, change.record, { actor: change.actor, reference: id, at: change.at });
      await this.outbox.enqueue(change.notices, tx);
      return (await findIn(tx, id)) as RepairRow;
    });
  }

  async find(id: string): Promise<RepairRow | undefined> {
    if (!isUuid(id)) return undefined;
    return findIn(this.db.dataSource.manager, id);
  }

  async list(filter: { state?: RepairState; limit: number; offset: number }): Promise<{ rows: RepairRow[]; total: number }> {
    return pageInFilingOrder(this.db, REPAIR_LISTING, '($1::text IS NULL OR a.state = $1)', [filter.state ?? null], filter);
  }
}

async function findIn(runner: EntityManager, id: string): Promise<RepairRow | undefined> {
  const rows: RepairRow[] = await runner.query(`SELECT ${REPAIR_COLUMNS} FROM ${REPAIR_FROM} WHERE a.id = $1`, [id]);
  return rows[0];
}

function notFound(): RightsError {
  return new RightsError('REPAIR_NOT_FOUND', '未找到该信用修复申请');
}

function alreadyPending(): RightsError {
  return new RightsError('REPAIR_ALREADY_PENDING', '该失信信息已有待处理的信用修复申请');
}
