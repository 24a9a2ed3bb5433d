import type { EntityManager } from 'typeorm';
import { type ObjectionOutcome, type ObjectionState, type ObjectionView, type ProviderAnswer, RightsError } from '../domain/rights';
import { HubDatabase } from './hub-database';
import { type OutboxNotice, OutboxRepository } from './outbox.repository';
import { applyRecordUpdate, isUniqueViolation, isUuid, lockApplication, lockExistingRecord, pageInFilingOrder, type RecordUpdate, type RightsListing, type RightsRecordRow } from './rights-record.repository';

export interface ObjectionRow extends ObjectionView {
  readonly id: string;
  readonly recordId: string;
  readonly supplierId: string;
  readonly supplierCode: string;
  readonly itemCode: string;
  readonly applicantCode: string;
  readonly filedBy: 'subject' | 'operator';
  readonly reason: string;
  readonly contact: string;
  readonly comparisonNote: string | null;
  readonly providerNote: string | null;
  readonly providerFields: Record<string, unknown> | null;
  readonly providerMissedAt: Date | null;
  readonly outcome: ObjectionOutcome | null;
  readonly outcomeReason: string | null;
  readonly closedOn: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ObjectionEventRow {
  readonly action: string;
  readonly fromState: ObjectionState | null;
  readonly toState: ObjectionState;
  readonly actor: string;
  readonly note: string | null;
  readonly detail: Record<string, unknown>;
  readonly at: Date;
}

export interface ObjectionEventInput {
  readonly action: string;
  readonly actor: string;
  readonly note?: string | null;
  readonly detail?: Record<string, unknown>;
}

/** A new objection, as the service builds it from the locked record (it may throw to refuse). */
export interface ObjectionFiling {
  readonly id: string;
  readonly applicantCode: string;
  readonly filedBy: 'subject' | 'operator';
  readonly reason: string;
  readonly contact: string;
  readonly acceptedOn: string;
  readonly comparisonDue: string;
  readonly record: RecordUpdate;
  readonly event: ObjectionEventInput;
  readonly notices: readonly OutboxNotice[];
  readonly at: Date;
}

/** The columns a step may set. */
export interface ObjectionPatch {
  readonly state?: ObjectionState;
  readonly comparisonNote?: string | null;
  readonly forwardedOn?: string;
  readonly providerDue?: string;
  readonly providerAnswer?: ProviderAnswer;
  readonly providerNote?: string | null;
  readonly providerFields?: Record<string, unknown> | null;
  readonly answeredOn?: string;
  readonly completionDue?: string;
  readonly providerMissedAt?: Date;
  readonly recordWithheld?: boolean;
  readonly outcome?: ObjectionOutcome;
  readonly outcomeReason?: string | null;
  readonly closedOn?: string;
}

/** One step of an objection: its columns, its history event, the record update and the notices. */
export interface ObjectionChange {
  readonly patch: ObjectionPatch;
  readonly event: ObjectionEventInput;
  readonly record?: RecordUpdate;
  readonly notices: readonly OutboxNotice[];
  readonly at: Date;
}

export interface ObjectionFilter {
  readonly states?: readonly ObjectionState[];
  /** Only objections that let a deadline pass before this day (any stage). */
  readonly overdueOn?: string;
  readonly supplierId?: string;
  readonly applicantCode?: string;
  readonly limit: number;
  readonly offset: number;
}

const PATCH_COLUMNS: Readonly<Record<keyof ObjectionPatch, string>> = {
  state: 'state',
  comparisonNote: 'comparison_note',
  forwardedOn: 'forwarded_on',
  providerDue: 'provider_due',
  providerAnswer: 'provider_answer',
  providerNote: 'provider_note',
  providerFields: 'provider_fields',
  answeredOn: 'answered_on',
  completionDue: 'completion_due',
  providerMissedAt: 'provider_missed_at',
  recordWithheld: 'record_withheld',
  outcome: 'outcome',
  outcomeReason: 'outcome_reason',
  closedOn: 'closed_on',
};

const day = (column: string, as: string) => `to_char(o.${column}, 'YYYY-MM-DD') AS "${as}"`;
const OBJECTION_COLUMNS = `o.id, o.record_id AS "recordId", o.supplier_id AS "supplierId", s.code AS "supplierCode",
  r.item_code AS "itemCode", o.applicant_code AS "applicantCode", o.filed_by AS "filedBy", o.reason, o.contact, o.state,
  ${day('accepted_on', 'acceptedOn')}, ${day('comparison_due', 'comparisonDue')}, o.comparison_note AS "comparisonNote",
  ${day('forwarded_on', 'forwardedOn')}, ${day('provider_due', 'providerDue')}, o.provider_answer AS "providerAnswer",
  o.provider_note AS "providerNote", o.provider_fields AS "providerFields", ${day('answered_on', 'answeredOn')},
  ${day('completion_due', 'completionDue')}, o.provider_missed_at AS "providerMissedAt",
  (o.provider_missed_at IS NOT NULL) AS "providerMissedDeadline", o.record_withheld AS "recordWithheld",
  o.outcome, o.outcome_reason AS "outcomeReason", ${day('closed_on', 'closedOn')},
  o.created_at AS "createdAt", o.updated_at AS "updatedAt"`;
const OBJECTION_FROM = 'objections o JOIN suppliers s ON s.id = o.supplier_id JOIN credit_records r ON r.id = o.record_id';
const OBJECTION_LISTING: RightsListing = { table: 'objections', alias: 'o', columns: OBJECTION_COLUMNS, from: OBJECTION_FROM };

/**
 * Objections (第二十四条 to 第二十六条). Every step runs in one transaction that locks the record and
 * then the objection (always in that order), lets the service decide on what it read, and writes
 * the objection, its history event, the record (status, disputed mark, new version, status event)
 * and the outbox notices together: a refused or failed step leaves nothing behind.
 */
export class ObjectionRepository {
  private readonly outbox: OutboxRepository;

  constructor(private readonly db: HubDatabase) {
    this.outbox = new OutboxRepository(db);
  }

  async create(recordId: string, build: (record: RightsRecordRow) => ObjectionFiling): Promise<ObjectionRow> {
    try {
      return await this.db.dataSource.transaction(async (tx) => {
        const record = await lockExistingRecord(tx, recordId);
        const filing = build(record);
        const open: unknown[] = await tx.query(`SELECT 1 FROM objections WHERE record_id = $1 AND state <> 'closed'`, [record.id]);
        if (open.length > 0) throw alreadyOpen();
        await tx.query(
          `INSERT INTO objections (id, record_id, supplier_id, applicant_code, filed_by, reason, contact, state, accepted_on,
                                   comparison_due, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'comparing', $8, $9, $10, $10)`,
          [filing.id, record.id, record.supplierId, filing.applicantCode, filing.filedBy, filing.reason, filing.contact,
            filing.acceptedOn, filing.comparisonDue, filing.at],
        );
        await insertEvent(tx, filing.id, null, 'comparing', filing.event, filing.at);
        await applyRecordUpdate(tx, record, filing.record, { actor: filing.event.actor, reference: filing.id, at: filing.at });
        await this.outbox.enqueue(filing.notices, tx);
        return (await findIn(tx, filing.id)) as ObjectionRow;
      });
    } catch (e) {
      // Two filings for one record at once: the second waits for the record lock and sees the first,
      // but the partial unique index is the last word.
      if (isUniqueViolation(e, 'objections_one_open')) throw alreadyOpen();
      throw e;
    }
  }

  /**
   * One step of an objection. `build` sees the objection and its record as locked; it returns the
   * change, null for "nothing to do" (re-runs of a job), or throws to refuse. Returns the objection
   * after the step, or null when nothing was done.
   */
  async transition(id: string, build: (objection: ObjectionRow, record: RightsRecordRow) => ObjectionChange | null): Promise<ObjectionRow | null> {
    if (!isUuid(id)) throw notFound();
    return this.db.dataSource.transaction(async (tx) => {
      const record = await lockApplication(tx, 'objections', id);
      if (!record) throw notFound();
      const objection = (await findIn(tx, id)) as ObjectionRow;
      const change = build(objection, record);
      if (change === null) return null;

      const entries = Object.entries(change.patch).filter(([, v]) => v !== undefined) as [keyof ObjectionPatch, unknown][];
      const sets = entries.map(([key], i) => `${PATCH_COLUMNS[key]} = $${i + 3}${key === 'providerFields' ? '::jsonb' : ''}`);
      const values = entries.map(([key, value]) => (key === 'providerFields' && value !== null ? JSON.stringify(value) : value));
      await tx.query(`UPDATE objections SET updated_at = $2${sets.map((s) => `, ${s}`).join('')} WHERE id = $1`, [id, change.at, ...values]);
      await insertEvent(tx, id, objection.state, change.patch.state ?? objection.state, change.event, change.at);
      if (change.record) await applyRecordUpdate(tx, record, change.record, { actor: change.event.actor, reference: id, at: change.at });
      await this.outbox.enqueue(change.notices, tx);
      return (await findIn(tx, id)) as ObjectionRow;
    });
  }

  async find(id: string): Promise<ObjectionRow | undefined> {
    if (!isUuid(id)) return undefined;
    return findIn(this.db.dataSource.manager, id);
  }

  async events(id: string): Promise<ObjectionEventRow[]> {
    return this.db.dataSource.query(
      `SELECT action, from_state AS "fromState", to_state AS "toState", actor, note, detail, at
       FROM objection_events WHERE objection_id = $1 ORDER BY id`,
      [id],
    );
  }

  async list(filter: ObjectionFilter): Promise<{ rows: ObjectionRow[]; total: number }> {
    const where = `($1::text[] IS NULL OR o.state = ANY($1))
         AND ($2::date IS NULL
              OR (o.state = 'comparing' AND o.comparison_due < $2)
              OR (o.state = 'forwarded_to_provider' AND o.provider_due < $2)
              OR (o.state = 'provider_answered' AND o.completion_due < $2))
         AND ($3::uuid IS NULL OR o.supplier_id = $3)
         AND ($4::text IS NULL OR o.applicant_code = $4)`;
    const params = [filter.states ?? null, filter.overdueOn ?? null, filter.supplierId ?? null, filter.applicantCode ?? null];
    return pageInFilingOrder(this.db, OBJECTION_LISTING, where, params, filter);
  }

  /** 第二十六条第二款: objections still waiting for a provider whose deadline closed before `today`, not yet handled. */
  async idsPastProviderDeadline(today: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.dataSource.query(
      `SELECT id FROM objections
       WHERE state = 'forwarded_to_provider' AND provider_missed_at IS NULL AND provider_due < $1::date
       ORDER BY provider_due, id LIMIT $2`,
      [today, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The center's own overdue steps (comparison, completion) before `today`, after `afterId` in id order. */
  async centerOverdue(today: string, afterId: string | null, limit: number): Promise<ObjectionRow[]> {
    return this.db.dataSource.query(
      `SELECT ${OBJECTION_COLUMNS} FROM ${OBJECTION_FROM}
       WHERE ((o.state = 'comparing' AND o.comparison_due < $1::date) OR (o.state = 'provider_answered' AND o.completion_due < $1::date))
         AND ($2::uuid IS NULL OR o.id > $2)
       ORDER BY o.id LIMIT $3`,
      [today, afterId, limit],
    );
  }

  /** Outbox notices that need no other change (reminders): written once per dedupe key. */
  async notify(notices: readonly OutboxNotice[]): Promise<number> {
    return this.outbox.enqueue(notices);
  }
}

async function findIn(runner: EntityManager, id: string): Promise<ObjectionRow | undefined> {
  const rows: ObjectionRow[] = await runner.query(`SELECT ${OBJECTION_COLUMNS} FROM ${OBJECTION_FROM} WHERE o.id = $1`, [id]);
  return rows[0];
}

async function insertEvent(
  tx: EntityManager,
  objectionId: string,
  fromState: ObjectionState | null,
  toState: ObjectionState,
  event: ObjectionEventInput,
  at: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO objection_events (objection_id, action, from_state, to_state, actor, note, detail, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
    [objectionId, event.action, fromState, toState, event.actor, event.note ?? null, JSON.stringify(event.detail ?? {}), at],
  );
}

function notFound(): RightsError {
  return new RightsError('OBJECTION_NOT_FOUND', '未找到该异议申请');
}

function alreadyOpen(): RightsError {
  return new RightsError('OBJECTION_ALREADY_OPEN', '该信用信息已有正在处理的异议申请');
}
