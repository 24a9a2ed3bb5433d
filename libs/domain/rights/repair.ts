/**
 * Credit repair (第二十三条): a subject that has corrected its dishonest conduct and removed its
 * effects may, within the publication period, apply to the provider or the center. A repaired
 * record is no longer served to any query, but is never deleted.
 */
import { RightsError } from './rights-error';
import type { RightsRecord, StatusChange } from './rights-record';

export const REPAIR_STATES = ['pending', 'approved', 'rejected'] as const;
export type RepairState = (typeof REPAIR_STATES)[number];

export const REPAIR_DECISIONS = ['approve', 'reject'] as const;
export type RepairDecision = (typeof REPAIR_DECISIONS)[number];

/** 第二十三条第二款: the application goes to the provider (谁认定、谁修复) or to the center. */
export const REPAIR_DECIDERS = ['provider', 'center'] as const;
export type RepairDecider = (typeof REPAIR_DECIDERS)[number];

/**
 * Whether a repair application for `record` can be accepted (or approved) today: only bad
 * information (失信信息), still being served (an already repaired record, or one archived, withheld,
 * non-disclosed or deleted, is refused with its own code), and only within its publication period
 * (在失信信息公示期内; the period's last day included).
 */
export function checkRepairEligibility(record: Pick<RightsRecord, 'category' | 'status' | 'publicationEnd'>, today: string): void {
  if (record.category !== 'bad') {
    throw new RightsError('REPAIR_NOT_BAD_INFORMATION', '信用修复仅适用于失信信息');
  }
  if (record.status === 'repaired') {
    throw new RightsError('REPAIR_ALREADY_REPAIRED', '该失信信息已完成信用修复');
  }
  if (record.status !== 'active') {
    throw new RightsError('REPAIR_RECORD_NOT_ACTIVE', '该信息当前不在公示状态，无需修复', [{ status: record.status }]);
  }
  if (record.publicationEnd !== null && today > record.publicationEnd) {
    throw new RightsError('REPAIR_OUTSIDE_PUBLICATION_PERIOD', `该失信信息的公示期已于 ${record.publicationEnd} 届满，不在可申请修复的期限内`);
  }
}

export interface RepairStep {
  readonly to: 'approved' | 'rejected';
  readonly status?: StatusChange;
}

/**
 * The provider's or the center's decision on a pending application. Approval checks eligibility
 * again (the record may have changed since the application) and withdraws the record from every
 * query: status `repaired` (第二十三条第三款 不再对外提供查询，但信息不得删除).
 */
export function decideRepair(
  state: RepairState,
  record: Pick<RightsRecord, 'category' | 'status' | 'publicationEnd'>,
  decision: RepairDecision,
  today: string,
): RepairStep {
  if (state !== 'pending') throw new RightsError('REPAIR_ALREADY_DECIDED', '该修复申请已有处理结果', [{ state }]);
  if (decision === 'reject') return { to: 'rejected' };
  checkRepairEligibility(record, today);
  return {
    to: 'approved',
    status: { to: 'repaired', reason: '信用修复完成，不再对外提供查询（信息保留）', article: '第二十三条第三款' },
  };
}
