/** Credit repair (第二十三条): who may apply for what, and what approval does. */
import type { RecordStatus } from '../access';
import { checkRepairEligibility, decideRepair, type RepairDecision, type RepairState } from './repair';
import { RightsError } from './rights-error';
import type { InformationCategory } from './rights-record';

const TODAY = '2026-09-18';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RightsError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('checkRepairEligibility (第二十三条第二款: bad information, within its publication period)', () => {
  it.each<[string, InformationCategory, RecordStatus, string | null, string]>([
    ['an active penalty within its period', 'bad', 'active', '2026-12-01', 'ok'],
    ['the last day of the period is still within it', 'bad', 'active', TODAY, 'ok'],
    ['a record published without end', 'bad', 'active', null, 'ok'],
    ['the period ended yesterday (archive job not yet run)', 'bad', 'active', '2026-09-17', 'REPAIR_OUTSIDE_PUBLICATION_PERIOD'],
    ['good information (commendation)', 'good', 'active', null, 'REPAIR_NOT_BAD_INFORMATION'],
    ['basic information (licence)', 'basic', 'active', null, 'REPAIR_NOT_BAD_INFORMATION'],
    ['already repaired', 'bad', 'repaired', '2026-12-01', 'REPAIR_ALREADY_REPAIRED'],
    ['archived at the end of its period', 'bad', 'archived', '2026-09-01', 'REPAIR_RECORD_NOT_ACTIVE'],
    ['withheld (provider missed an objection deadline)', 'bad', 'withheld', '2026-12-01', 'REPAIR_RECORD_NOT_ACTIVE'],
    ['deleted by an objection', 'bad', 'deleted', '2026-12-01', 'REPAIR_RECORD_NOT_ACTIVE'],
  ])('%s → %s', (_name, category, status, publicationEnd, expected) => {
    expect(codeOf(() => checkRepairEligibility({ category, status, publicationEnd }, TODAY))).toBe(expected);
  });
});

describe('decideRepair (第二十三条第三款: repaired → 不再对外提供查询，但信息不得删除)', () => {
  const eligible: { category: InformationCategory; status: RecordStatus; publicationEnd: string | null } = {
    category: 'bad',
    status: 'active',
    publicationEnd: '2026-12-01',
  };

  it('approval withdraws the record from every query: status repaired, with the article', () => {
    expect(decideRepair('pending', eligible, 'approve', TODAY)).toEqual({
      to: 'approved',
      status: { to: 'repaired', reason: expect.stringContaining('信息保留'), article: '第二十三条第三款' },
    });
  });

  it('rejection leaves the record as it is', () => {
    expect(decideRepair('pending', eligible, 'reject', TODAY)).toEqual({ to: 'rejected' });
  });

  it.each<[string, RepairState, Partial<typeof eligible>, RepairDecision, string]>([
    ['an application already approved', 'approved', {}, 'approve', 'REPAIR_ALREADY_DECIDED'],
    ['an application already rejected', 'rejected', {}, 'reject', 'REPAIR_ALREADY_DECIDED'],
    ['the record was repaired meanwhile (another application)', 'pending', { status: 'repaired' }, 'approve', 'REPAIR_ALREADY_REPAIRED'],
    ['the record was archived meanwhile', 'pending', { status: 'archived' }, 'approve', 'REPAIR_RECORD_NOT_ACTIVE'],
    ['the period ended before the decision', 'pending', { publicationEnd: '2026-09-17' }, 'approve', 'REPAIR_OUTSIDE_PUBLICATION_PERIOD'],
  ])('refused: %s → %s', (_name, state, change, decision, expected) => {
    expect(codeOf(() => decideRepair(state, { ...eligible, ...change }, decision, TODAY))).toBe(expected);
  });
});
