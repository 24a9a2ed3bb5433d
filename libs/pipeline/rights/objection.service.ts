import { randomUUID } from 'node:crypto';
import type { Catalog } from '../../../catalog/catalog';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import {
  acceptObjection,
  answerObjection,
  type Applicant,
  assertOwnRecord,
  compareObjection,
  decideObjection,
  type ObjectionOutcome,
  type ObjectionState,
  overdueStage,
  type OverdueStage,
  type ProviderAnswer,
  RightsError,
} from '../../domain/rights';
import type { ObjectionEventRow, ObjectionRepository, ObjectionRow } from '../../persistence/objection.repository';
import type { WorkingDayCalendarService } from '../calendar/working-day-calendar.service';
import type { Clock } from '../../runtime/tokens';
import { actorOf, correctionVersion, itemNameOf, rightsRecordOf } from './rights-records';
import * as notices from './rights-notices';

export interface ObjectionFilingInput {
  readonly recordId: string;
  readonly reason: string;
  readonly contact: string;
}

/** An objection as the API shows it: the row with its overdue stage of today. */
export type ObjectionDetail = ObjectionRow & { readonly overdue: OverdueStage | null };

export interface ObjectionPage {
  readonly objections: ObjectionDetail[];
  readonly total: number;
  readonly nextOffset: number | null;
}

/**
 * Objections (第二十四条 to 第二十六条): the subject (or an operator for it) files, the center
 * compares and forwards, the provider answers, the center completes. The rules are the plain
 * functions of libs/domain/rights; each step is one transaction of ObjectionRepository.
 */
export class ObjectionService {
  constructor(
    private readonly objections: ObjectionRepository,
    private readonly calendar: WorkingDayCalendarService,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {}

  async file(applicant: Applicant, input: ObjectionFilingInput): Promise<ObjectionDetail> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const calendar = await this.calendar.current();
    const id = randomUUID();
    const row = await this.objections.create(input.recordId, (record) => {
      assertOwnRecord(applicant, record);
      const opening = acceptObjection(calendar, rightsRecordOf(record, this.catalog), today);
      const ref = { id, recordId: record.id, contact: input.contact, supplierCode: record.supplierCode };
      return {
        id,
        applicantCode: record.subjectCode,
        filedBy: applicant.kind,
        reason: input.reason,
        contact: input.contact,
        acceptedOn: opening.acceptedOn,
        comparisonDue: opening.comparisonDue,
        record: opening.record,
        event: { action: 'filed', actor: actorOf(applicant), note: input.reason },
        notices: notices.objectionAccepted(ref, itemNameOf(this.catalog, record.itemCode), opening.acceptedOn, opening.comparisonDue, now),
        at: now,
      };
    });
    return this.detail(row, today);
  }

  /** A subject sees its own objections only; another's is "not found" (its existence is not revealed). */
  async get(viewer: Applicant, id: string): Promise<ObjectionDetail & { events: ObjectionEventRow[] }> {
    const row = await this.objections.find(id);
    if (!row || (viewer.kind === 'subject' && viewer.subjectCode !== row.applicantCode)) throw notFound();
    return { ...this.detail(row, chinaCalendarDate(this.clock())), events: await this.objections.events(row.id) };
  }

  /** 第二十五条第一款: the center's comparison. No discrepancy closes it (the note is the reason given). */
  async compare(id: string, input: { discrepancy: boolean; note: string }): Promise<ObjectionDetail> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const calendar = await this.calendar.current();
    const row = await this.objections.transition(id, (objection) => {
      const step = compareObjection(objection, input.discrepancy, calendar, today);
      const itemName = itemNameOf(this.catalog, objection.itemCode);
      if (step.to === 'closed') {
        return {
          patch: { state: 'closed', comparisonNote: input.note, outcome: 'reject', outcomeReason: input.note, closedOn: step.closedOn },
          event: { action: 'compared', actor: 'operator', note: input.note, detail: { discrepancy: false, outcome: 'reject' } },
          record: step.record,
          notices: notices.objectionClosed(objection, itemName, 'reject', input.note, step.closedOn, false, now),
          at: now,
        };
      }
      return {
        patch: { state: 'forwarded_to_provider', comparisonNote: input.note, forwardedOn: step.forwardedOn, providerDue: step.providerDue },
        event: { action: 'forwarded', actor: 'operator', note: input.note, detail: { discrepancy: true, providerDue: step.providerDue } },
        record: step.record,
        notices: notices.objectionForwarded(objection, itemName, step.providerDue, now),
        at: now,
      };
    });
    return this.detail(row as ObjectionRow, today);
  }

  /** 第二十五条第二款: the provider's verification result, only on objections about its own records. */
  async answer(
    supplier: { id: string; code: string },
    id: string,
    input: { answer: ProviderAnswer; note: string; fields?: Record<string, unknown> },
  ): Promise<ObjectionDetail> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const calendar = await this.calendar.current();
    const row = await this.objections.transition(id, (objection, record) => {
      if (objection.supplierId !== supplier.id) throw notFound();
      const step = answerObjection(objection, calendar, today);
      // Proposed corrections are checked now, so the provider learns at once what would not pass.
      if ((input.answer === 'correct' || input.answer === 'supplement') && input.fields !== undefined) {
        correctionVersion(this.catalog, record, input.answer, input.fields, now, {});
      }
      return {
        patch: {
          state: step.to,
          providerAnswer: input.answer,
          providerNote: input.note,
          providerFields: input.fields ?? null,
          answeredOn: step.answeredOn,
          completionDue: step.completionDue,
        },
        event: {
          action: 'answered',
          actor: `supplier:${supplier.code}`,
          note: input.note,
          detail: { answer: input.answer, completionDue: step.completionDue, late: objection.providerMissedDeadline },
        },
        notices: notices.objectionAnswered(objection, input.answer, step.completionDue, now),
        at: now,
      };
    });
    return this.detail(row as ObjectionRow, today);
  }

  /**
   * 第二十五条第二款: the center completes the objection and tells the applicant. correct/supplement
   * write a new version (the given fields, or the provider's); delete sets status `deleted`.
   */
  async decide(id: string, input: { outcome: ObjectionOutcome; reason: string; fields?: Record<string, unknown> }): Promise<ObjectionDetail> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const row = await this.objections.transition(id, (objection, record) => {
      const step = decideObjection(objection, rightsRecordOf(record, this.catalog), input.outcome, today);
      const newVersion = step.record.content
        ? correctionVersion(this.catalog, record, step.record.content, input.fields ?? objection.providerFields, now, {
            objection: objection.id,
            outcome: input.outcome,
            decidedAt: now.toISOString(),
          })
        : undefined;
      return {
        patch: { state: 'closed', outcome: input.outcome, outcomeReason: input.reason, closedOn: step.closedOn },
        event: {
          action: 'decided',
          actor: 'operator',
          note: input.reason,
          detail: {
            outcome: input.outcome,
            withoutProviderAnswer: step.withoutProviderAnswer,
            ...(newVersion ? { version: record.version + 1 } : {}),
            ...(step.record.status ? { recordStatus: step.record.status.to } : {}),
          },
        },
        record: { disputed: step.record.disputed, status: step.record.status, newVersion },
        notices: notices.objectionClosed(objection, itemNameOf(this.catalog, objection.itemCode), input.outcome, input.reason, step.closedOn, true, now),
        at: now,
      };
    });
    return this.detail(row as ObjectionRow, today);
  }

  async list(filter: { state?: ObjectionState; overdue?: boolean; limit: number; offset: number }): Promise<ObjectionPage> {
    const today = chinaCalendarDate(this.clock());
    const page = await this.objections.list({
      states: filter.state ? [filter.state] : undefined,
      overdueOn: filter.overdue ? today : undefined,
      limit: filter.limit,
      offset: filter.offset,
    });
    return this.page(page, filter, today);
  }

  /** The open objections forwarded to this provider (waiting for its answer, or for the center after it). */
  async listForSupplier(supplierId: string, filter: { limit: number; offset: number }): Promise<ObjectionPage> {
    const today = chinaCalendarDate(this.clock());
    const page = await this.objections.list({ states: ['forwarded_to_provider', 'provider_answered'], supplierId, ...filter });
    return this.page(page, filter, today);
  }

  private page(page: { rows: ObjectionRow[]; total: number }, filter: { offset: number }, today: string): ObjectionPage {
    const end = filter.offset + page.rows.length;
    return { objections: page.rows.map((r) => this.detail(r, today)), total: page.total, nextOffset: end < page.total ? end : null };
  }

  private detail(row: ObjectionRow, today: string): ObjectionDetail {
    return { ...row, overdue: overdueStage(row, today) };
  }
}

function notFound(): RightsError {
  return new RightsError('OBJECTION_NOT_FOUND', '未找到该异议申请');
}
