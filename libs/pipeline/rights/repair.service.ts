import { randomUUID } from 'node:crypto';
import type { Catalog } from '../../../catalog/catalog';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import {
  type Applicant,
  assertOwnRecord,
  checkRepairEligibility,
  decideRepair,
  type RepairDecider,
  type RepairDecision,
  type RepairState,
} from '../../domain/rights';
import type { RepairRepository, RepairRow } from '../../persistence/repair.repository';
import type { Clock } from '../../runtime/tokens';
import { itemNameOf, rightsRecordOf } from './rights-records';
import * as notices from './rights-notices';

/**
 * Credit repair (第二十三条): the subject applies (to the provider or the center); whoever decides
 * records it here. Approval withdraws the record from every query for good (status `repaired`).
 */
export class RepairService {
  constructor(
    private readonly repairs: RepairRepository,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {}

  async file(applicant: Applicant, input: { recordId: string; reason: string; evidence: string }): Promise<RepairRow> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const id = randomUUID();
    return this.repairs.create(input.recordId, (record) => {
      assertOwnRecord(applicant, record);
      checkRepairEligibility(rightsRecordOf(record, this.catalog), today);
      const ref = { id, recordId: record.id, subjectCode: record.subjectCode, supplierCode: record.supplierCode };
      return {
        id,
        applicantCode: record.subjectCode,
        filedBy: applicant.kind,
        reason: input.reason,
        evidence: input.evidence,
        notices: notices.repairFiled(ref, itemNameOf(this.catalog, record.itemCode), now),
        at: now,
      };
    });
  }

  async decide(id: string, input: { decision: RepairDecision; decidedBy: RepairDecider; reason: string }): Promise<RepairRow> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    return this.repairs.decide(id, (application, record) => {
      const step = decideRepair(application.state, rightsRecordOf(record, this.catalog), input.decision, today);
      const ref = { id, recordId: record.id, subjectCode: application.applicantCode, supplierCode: record.supplierCode };
      return {
        state: step.to,
        decidedBy: input.decidedBy,
        decisionReason: input.reason,
        record: step.status ? { status: step.status } : undefined,
        actor: input.decidedBy === 'provider' ? `provider:${record.supplierCode}` : 'center',
        notices: notices.repairDecided(ref, itemNameOf(this.catalog, record.itemCode), step.to === 'approved', input.reason, now),
        at: now,
      };
    });
  }

  async list(filter: { state?: RepairState; limit: number; offset: number }): Promise<{ repairs: RepairRow[]; total: number; nextOffset: number | null }> {
    const page = await this.repairs.list(filter);
    const end = filter.offset + page.rows.length;
    return { repairs: page.rows, total: page.total, nextOffset: end < page.total ? end : null };
  }
}
