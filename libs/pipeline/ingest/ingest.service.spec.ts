/**
 * The source key the hub derives for a record sent without `source_key` (API.md: "without it, the
 * hub derives one from the record's content"): the same content always gets the same key, so a
 * resend is recognised and not stored as a new record.
 */
import { createHash } from 'node:crypto';
import { penaltyRecord } from '../../../test/fixtures/credit-data';
import { canonicalJson, contentKey, toEnvelope } from './ingest.service';

function reversedKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).reverse());
}

describe('canonicalJson', () => {
  it('writes object keys in sorted order at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null } })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}');
  });

  it('keeps the order of array elements', () => {
    expect(canonicalJson(['罚款', '警告'])).toBe('["罚款","警告"]');
    expect(canonicalJson(['警告', '罚款'])).toBe('["警告","罚款"]');
  });

  it('escapes strings and keys as JSON does', () => {
    expect(canonicalJson({ 'k"1': 'a"b\\c\n' })).toBe('{"k\\"1":"a\\"b\\\\c\\n"}');
  });

  it('writes scalars as JSON', () => {
    expect([canonicalJson(5000), canonicalJson('5000'), canonicalJson(true), canonicalJson(null)]).toEqual([
      '5000',
      '"5000"',
      'true',
      'null',
    ]);
  });

  it('is valid JSON that parses back to the same value', () => {
    const record = penaltyRecord(1);
    expect(JSON.parse(canonicalJson(record))).toEqual(record);
  });
});

describe('contentKey', () => {
  it('is "sha256:" followed by the hex SHA-256 of the canonical JSON', () => {
    const record = penaltyRecord(1);
    const digest = createHash('sha256').update(canonicalJson(record)).digest('hex');
    expect(contentKey(record)).toBe(`sha256:${digest}`);
    expect(contentKey(record)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('does not depend on the order of properties', () => {
    const record = penaltyRecord(2);
    expect(contentKey(reversedKeys(record))).toBe(contentKey(record));
  });

  it('does not depend on the order of nested properties', () => {
    expect(contentKey({ a: { x: 1, y: 2 }, b: '甲' })).toBe(contentKey({ b: '甲', a: { y: 2, x: 1 } }));
  });

  it('is the same for a resend of the same record', () => {
    expect(contentKey(penaltyRecord(3))).toBe(contentKey(penaltyRecord(3)));
  });

  it('differs when any value differs', () => {
    const record = penaltyRecord(4);
    expect(contentKey({ ...record, fine_amount: '5000.01' })).not.toBe(contentKey(record));
  });

  it('differs for different records', () => {
    expect(contentKey(penaltyRecord(5))).not.toBe(contentKey(penaltyRecord(6)));
  });

  it('differs when array elements are reordered', () => {
    expect(contentKey({ penalty_categories: ['罚款', '警告'] })).not.toBe(contentKey({ penalty_categories: ['警告', '罚款'] }));
  });

  it('tells a number from the same digits as a string', () => {
    expect(contentKey({ fine_amount: 5000 })).not.toBe(contentKey({ fine_amount: '5000' }));
  });

  it('tells a field from the same text moved into another field', () => {
    expect(contentKey({ a: 'b', c: '' })).not.toBe(contentKey({ a: '', c: 'b' }));
  });
});

describe('toEnvelope and a numeric source_key (plan E6: identifiers are never rounded)', () => {
  it('keeps a safe integer as its decimal string', () => {
    expect(toEnvelope(0, { source_key: 9_007_199_254_740_991, a: 1 })).toEqual({ index: 0, sourceKey: '9007199254740991', payload: { a: 1 } });
  });

  it('refuses a number past 2^53 as INVALID_FORMAT: it was rounded when read and would name another record', () => {
    const envelope = toEnvelope(3, JSON.parse('{"source_key": 9007199254740993, "a": 1}') as Record<string, unknown>);
    expect(envelope).toMatchObject({ index: 3, sourceKey: 'index:3', payload: {}, refusal: { code: 'INVALID_FORMAT', field: 'source_key' } });
  });
});
