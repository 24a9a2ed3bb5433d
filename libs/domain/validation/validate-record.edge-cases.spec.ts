/**
 * Expectations validateRecord does not meet yet (kept apart so the lead can decide).
 * Each test states the behaviour the code comments / API.md promise.
 */
import { loadCatalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { penaltyRecord, personPenaltyRecord, recentDate, uscc } from '../../../test/fixtures/credit-data';
import { validateRecord } from './validate-record';

const TODAY = new Date('2026-06-15T04:00:00Z');

function penaltyItem(): CatalogItem {
  const found = loadCatalog().find('administrative_penalty');
  if (found === undefined) throw new Error('administrative_penalty missing from the catalog');
  return found;
}

const PENALTY = penaltyItem();
const dated = { decision_date: recentDate(10, TODAY), notified_on: recentDate(20, TODAY) };

describe('validateRecord — edge cases', () => {
  /**
   * A rejection's value is stored in PostgreSQL (rejections are sent as jsonb to
   * RecordRepository.loadChunk); jsonb and text cannot hold U+0000, so echoing the NUL back makes
   * the whole chunk's transaction fail ("unsupported Unicode escape sequence") instead of
   * rejecting one record.
   */
  it('a value refused for its NUL character is not echoed back with the NUL in the rejection', () => {
    const verdict = validateRecord(penaltyRecord(1, { ...dated, remarks: '备注\u0000尾' }), PENALTY, TODAY);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.rejections).toEqual([expect.objectContaining({ field: 'remarks', code: 'INVALID_FORMAT' })]);
    for (const r of verdict.rejections) expect(r.value ?? '').not.toContain('\u0000');
  });

  /**
   * The enum check trims subject_type (' legal_person ' is accepted and stored as 'legal_person'),
   * but the requiredWhen condition compares the raw value, so the legal representative required
   * for organisations is silently not required.
   */
  it('a legal_person whose subject_type carries blanks still needs legal_representative', () => {
    const { legal_representative: _dropped, ...record } = penaltyRecord(2, { ...dated, subject_type: 'legal_person ' });
    const verdict = validateRecord(record, PENALTY, TODAY);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.rejections).toEqual([{ field: 'legal_representative', code: 'REQUIRED_FIELD' }]);
  });

  /**
   * Same raw comparison in resolveSubject: a padded 'natural_person' is not read as a person, so
   * a USCC is accepted for a natural person (stored subject_type natural_person, subject kind
   * organization).
   */
  it('a natural_person whose subject_type carries blanks is still refused a USCC', () => {
    const record = personPenaltyRecord(3, { ...dated, subject_type: ' natural_person', subject_code: uscc(3) });
    const verdict = validateRecord(record, PENALTY, TODAY);
    expect(verdict.ok).toBe(false);
  });
});
