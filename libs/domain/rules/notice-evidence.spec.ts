/**
 * 第十三条（归集前告知）: a bad record carries the date and method of the notice to its subject.
 * Runs on the real catalog.
 */
import { loadCatalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { checkNoticeEvidence } from './notice-evidence';

const catalog = loadCatalog();

function item(code: string): CatalogItem {
  const found = catalog.find(code);
  if (found === undefined) throw new Error(`catalog item ${code} missing`);
  return found;
}

const PENALTY = item('administrative_penalty');
const BAD_ITEMS = catalog.all().filter((i) => i.category === 'bad').map((i) => i.code);
const OTHER_ITEMS = catalog.all().filter((i) => i.category !== 'bad').map((i) => i.code);

describe('checkNoticeEvidence — 第十三条 bad information carries its notice evidence', () => {
  it.each([
    { method: 'written', why: '书面告知' },
    { method: 'public_notice', why: '公告送达, when writing could not be delivered' },
    { method: 'exempt_by_law', why: '法律、法规另有规定, with the date the exemption was established' },
  ])('accepts a bad record notified by $method ($why)', ({ method }) => {
    expect(checkNoticeEvidence({ notified_on: '2026-05-02', notice_method: method }, PENALTY)).toEqual([]);
  });

  it.each([
    { why: 'both fields absent', fields: {}, missing: ['notified_on', 'notice_method'] },
    { why: 'no date', fields: { notice_method: 'written' }, missing: ['notified_on'] },
    { why: 'no method', fields: { notified_on: '2026-05-02' }, missing: ['notice_method'] },
    { why: 'a blank date', fields: { notified_on: '   ', notice_method: 'written' }, missing: ['notified_on'] },
    { why: 'a null method', fields: { notified_on: '2026-05-02', notice_method: null }, missing: ['notice_method'] },
    { why: 'an empty-string method', fields: { notified_on: '2026-05-02', notice_method: '' }, missing: ['notice_method'] },
    // API.md: notified_on is required for all bad information, exempt records included.
    { why: 'exempt_by_law without a date', fields: { notice_method: 'exempt_by_law' }, missing: ['notified_on'] },
  ])('NOTICE_MISSING on each missing field: $why', ({ fields, missing }) => {
    expect(checkNoticeEvidence(fields, PENALTY)).toEqual(missing.map((field) => ({ field, code: 'NOTICE_MISSING' })));
  });

  it.each(BAD_ITEMS)('applies to every bad item of the catalog: %s', (code) => {
    expect(checkNoticeEvidence({}, item(code))).toEqual([
      { field: 'notified_on', code: 'NOTICE_MISSING' },
      { field: 'notice_method', code: 'NOTICE_MISSING' },
    ]);
  });

  it.each(OTHER_ITEMS)('asks nothing of basic or good information: %s', (code) => {
    expect(checkNoticeEvidence({}, item(code))).toEqual([]);
  });

  it('judges presence only: an unknown method or a malformed date is left to validateRecord', () => {
    expect(checkNoticeEvidence({ notified_on: '2026/05/02', notice_method: 'oral' }, PENALTY)).toEqual([]);
  });
});
