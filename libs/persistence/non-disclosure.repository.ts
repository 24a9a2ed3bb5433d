import type { EntityManager } from 'typeorm';
import { type NonDisclosureState, RightsError } from '../domain/rights';
import { HubDatabase } from './hub-database';
import { type OutboxNotice, OutboxRepository } from './outbox.repository';
import { applyRecordUpdate, isUniqueViolation, isUuid, lockApplication, lockExistingRecord, pageInFilingOrder, type RecordUpdate, type RightsListing, type RightsRecordRow } from './rights-record.repository';

export interface NonDisclosureRow {
  readonly id: string;
  readonly recordId: string;
  readonly supplierId: string;
  readonly supplierCode: string;
  readonly itemCode: string;
  readonly applicantCode: string;
  readonly filedBy: 'subject' | 'operator';
  readonly reason: string;
  readonly state: NonDisclosureState;
  readonly acceptedOn: string;
  readonly dueOn: string;
  readonly refusalReason: string | null;
  readonly finishedAt: Date | null;
  readonly createdAt: Date;
}

export interface NonDisclosureFiling {
  readonly id: string;
  readonly applicantCode: string;
  readonly filedBy: 'subject' | 'operator';
  readonly reason: string;
  readonly acceptedOn: string;
  readonly dueOn: string;
  readonly notices: readonly OutboxNotice[];
  readonly at: Date;
}

export interface NonDisclosureChange {
  readonly state: 'done' | 'refused';
  readonly refusalReason?: string;
  readonly record?: RecordUpdate;
  readonly actor: string;
  readonly notices: readonly OutboxNotice[];
  readonly at: Date;
}

const REQUEST_COLUMNS = `n.id, n.record_id AS "recordId", n.supplier_id AS "supplierId", s.code AS "supplierCode", r.item_code AS "itemCode",
  n.applicant_code AS "applicantCode", n.filed_by AS "filedBy", n.reason, n.state,
  to_char(n.accepted_on, 'YYYY-MM-DD') AS "acceptedOn", to_char(n.due_on, 'YYYY-MM-DD') AS "dueOn",
  n.refusal_reason AS "refusalReason", n.finished_at AS "finishedAt", n.created_at AS "createdAt"`;
const REQUEST_FROM = 'non_disclosure_requests n JOIN suppliers s ON s.id = n.supplier_id JOIN credit_records r ON r.id = n.record_id';
const REQUEST_LISTING: RightsListing = { table: 'non_disclosure_requests', alias: 'n', columns: REQUEST_COLUMNS, from: REQUEST_FROM };

/**
 * Requests not to publish good information (第二十七条): accepted on filing with their due date;
 * carried out (record `non_disclosed`, status event, notices to the subject and the provider) or
 * refused in one transaction with the record locked.
 */
export class NonDisclosureRepository {
  private readonly outbox: OutboxRepository;

  constructor(private readonly db: HubDatabase) {
    this.outbox = new OutboxRepository(db);
  }

  async create(recordId: string, build: (record: RightsRecordRow) => NonDisclosureFiling): Promise<NonDisclosureRow> {
    try {
      return await this.db.dataSource.transaction(async (tx) => {
        const record = await lockExistingRecord(tx, recordId);
        const filing = build(record);
        const open: unknown[] = await tx.query(`SELECT 1 FROM non_disclosure_requests WHERE record_id = $1 AND state = 'accepted'`, [record.id]);
        if (open.length > 0) throw alreadyPending();
        await tx.query(
          `INSERT INTO non_disclosure_requests (id, record_id, supplier_id, applicant_code, filed_by, reason, state, accepted_on, due_on, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'accepted', $7, $8, $9)`,
          [filing.id, record.id, record.supplierId, filing.applicantCode, filing.filedBy, filing.reason, filing.acceptedOn, filing.dueOn, filing.at],
        );
        await this.outbox.enqueue(filing.notices, tx);
        return (await findIn(tx, filing.id)) as NonDisclosureRow;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'non_disclosure_requests_one_accepted')) throw alreadyPending();
      throw e;
    }
  }

  /** Carries out or refuses a request; `build` returns null when there is nothing (more) to do. */
  async finish(id: string, build: (request: NonDisclosureRow, record: RightsRecordRow) => NonDisclosureChange | null): Promise<NonDisclosureRow | null> {
    if (!isUuid(id)) throw notFound();
    return this.db.dataSource.transaction(async (tx) => {
      const record = await lockApplication(tx, 'non_disclosure_requests', id);
      if (!record) throw notFound();
      const request = (await findIn(tx, id)) as NonDisclosureRow;
      const change = build(request, record);
      if (change === null) return null;
      await tx.query('UPDATE non_disclosure_requests SET state = $2, refusal_reason = $3, finished_at = $4 WHERE id = $1', [
        id,
        change.state,
        change.refusalReason ?? null,
        change.at,
      ]);
      if (change.record) await applyRecordUpdate(tx, record, change.record, { actor: change.actor, reference: id, at: change.at });
      await this.outbox.enqueue(change.notices, tx);
      return (await findIn(tx, id)) as NonDisclosureRow;
    });
  }

  /** Accepted requests in filing order, after `afterId` (keyset paging for the job). */
  async acceptedIds(afterCreated: { createdAt: Date; id: string } | null, limit: number): Promise<{ id: string; createdAt: Date }[]> {
    return this.db.dataSource.query(
      `SELECT id, created_at AS "createdAt" FROM non_disclosure_requests
       WHERE state = 'accepted' AND ($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))
       ORDER BY created_at, id LIMIT $3`,
      [afterCreated?.createdAt ?? null, afterCreated?.id ?? null, limit],
    );
  }

  async find(id: string): Promise<NonDisclosureRow | undefined> {
    if (!isUuid(id)) return undefined;
    return findIn(this.db.dataSource.manager, id);
  }

  async list(filter: { state?: NonDisclosureState; limit: number; offset: number }): Promise<{ rows: NonDisclosureRow[]; total: number }> {
    return pageInFilingOrder(this.db, REQUEST_LISTING, '($1::text IS NULL OR n.state = $1)', [filter.state ?? null], filter);
  }
}

async function findIn(runner: EntityManager, id: string): Promise<NonDisclosureRow | undefined> {
  const rows: NonDisclosureRow[] = await runner.query(`SELECT ${REQUEST_COLUMNS} FROM ${REQUEST_FROM} WHERE n.id = $1`, [id]);
  return rows[0];
}

function notFound(): RightsError {
  return new RightsError('NON_DISCLOSURE_NOT_FOUND', '未找到该不予公开申请');
}

function alreadyPending(): RightsError {
  return new RightsError('NON_DISCLOSURE_ALREADY_PENDING', '该守信信息已有待办理的不予公开申请');
}
