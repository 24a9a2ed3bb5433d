import { randomUUID } from 'node:crypto';
import type { Catalog } from '../../../catalog/catalog';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import { acceptNonDisclosure, type Applicant, assertOwnRecord, type NonDisclosureState, refuseNonDisclosure } from '../../domain/rights';
import type { NonDisclosureRepository, NonDisclosureRow } from '../../persistence/non-disclosure.repository';
import type { WorkingDayCalendarService } from '../calendar/working-day-calendar.service';
import type { Clock } from '../../runtime/tokens';
import { itemNameOf, rightsRecordOf } from './rights-records';
import * as notices from './rights-notices';

/**
 * Non-disclosure of good information (第二十七条): accepted on filing with its 5-working-day due
 * date; the `non-disclosure` job carries it out; an operator may refuse it before that.
 */
export class NonDisclosureService {
  constructor(
    private readonly requests: NonDisclosureRepository,
    private readonly calendar: WorkingDayCalendarService,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {}

  async file(applicant: Applicant, input: { recordId: string; reason: string }): Promise<NonDisclosureRow> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const calendar = await this.calendar.current();
    const id = randomUUID();
    return this.requests.create(input.recordId, (record) => {
      assertOwnRecord(applicant, record);
      const accepted = acceptNonDisclosure(calendar, rightsRecordOf(record, this.catalog), today);
      const ref = { id, recordId: record.id, subjectCode: record.subjectCode, supplierCode: record.supplierCode };
      return {
        id,
        applicantCode: record.subjectCode,
        filedBy: applicant.kind,
        reason: input.reason,
        acceptedOn: accepted.acceptedOn,
        dueOn: accepted.dueOn,
        notices: notices.nonDisclosureAccepted(ref, itemNameOf(this.catalog, record.itemCode), accepted.dueOn, now),
        at: now,
      };
    });
  }

  async refuse(id: string, input: { reason: string }): Promise<NonDisclosureRow> {
    const now = this.clock();
    const row = await this.requests.finish(id, (request, record) => {
      refuseNonDisclosure(request.state);
      const ref = { id, recordId: record.id, subjectCode: request.applicantCode, supplierCode: record.supplierCode };
      return {
        state: 'refused',
        refusalReason: input.reason,
        actor: 'center',
        notices: notices.nonDisclosureRefused(ref, itemNameOf(this.catalog, record.itemCode), input.reason, now),
        at: now,
      };
    });
    return row as NonDisclosureRow;
  }

  async list(filter: { state?: NonDisclosureState; limit: number; offset: number }): Promise<{ requests: NonDisclosureRow[]; total: number; nextOffset: number | null }> {
    const page = await this.requests.list(filter);
    const end = filter.offset + page.rows.length;
    return { requests: page.rows, total: page.total, nextOffset: end < page.total ? end : null };
  }
}
