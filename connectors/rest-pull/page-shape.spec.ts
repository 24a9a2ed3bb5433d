import { compareWatermarks, maxWatermark, recordsAt, recordsDigest, sinceToSend, valueAt, watermarkOf } from './page-shape';

describe('valueAt and recordsAt', () => {
  const body = { code: 0, data: { items: [{ id: 1 }, { id: 2 }], next_cursor: 'abc' } };

  it('follows a dot path; the empty path is the body itself', () => {
    expect(valueAt(body, 'data.next_cursor')).toBe('abc');
    expect(valueAt(body, 'data.missing.deeper')).toBeUndefined();
    expect(valueAt([1], '')).toEqual([1]);
    expect(valueAt({ a: 1 }, 'constructor')).toBeUndefined();
  });

  it('takes an array of objects as the records', () => {
    expect(recordsAt(body, 'data.items')).toEqual({ ok: true, records: [{ id: 1 }, { id: 2 }] });
    expect(recordsAt([], '')).toEqual({ ok: true, records: [] });
  });

  it('refuses anything else, saying what it found', () => {
    expect(recordsAt(body, 'data.rows')).toEqual({ ok: false, problem: '"data.rows" is missing, not an array of records' });
    expect(recordsAt({ data: null }, 'data')).toEqual({ ok: false, problem: '"data" is a null, not an array of records' });
    expect(recordsAt([{ id: 1 }, 7], '')).toEqual({ ok: false, problem: 'the response body[1] is a number, not a record' });
  });
});

describe('watermarks', () => {
  it.each([
    ['2026-03-01T08:00:00Z', '2026-03-01T08:00:01Z', -1],
    ['2026-03-01T16:00:00+08:00', '2026-03-01T08:00:00.500Z', -1], // by instant, not by text
    ['2026-03-01T08:00:00.123456Z', '2026-03-01T08:00:00.123Z', 1], // same millisecond: the text decides
    ['9', '10', -1], // numbers as numbers
    ['1772352000000001', '1772352000000002', -1], // beyond 2^53, exactly
    ['1.5', '1.25', 1],
    ['b', 'a', 1],
    ['x', 'x', 0],
  ])('compares %s with %s as %d', (a, b, expected) => {
    expect(compareWatermarks(a, b)).toBe(expected);
  });

  it('keeps the greater one and ignores records without a watermark', () => {
    expect(maxWatermark(null, '2026-03-01T08:00:00Z')).toBe('2026-03-01T08:00:00Z');
    expect(maxWatermark('2026-03-01T08:00:00Z', undefined)).toBe('2026-03-01T08:00:00Z');
    expect(maxWatermark('2026-03-01T08:00:00Z', '2026-02-01T08:00:00Z')).toBe('2026-03-01T08:00:00Z');
    expect(watermarkOf(1700000000)).toBe('1700000000');
    expect(watermarkOf('  ')).toBeUndefined();
    // Issue 11: text that cannot be stored never becomes the cursor (it would fail every cursor commit).
    expect(watermarkOf('2026-03-01T08:00:00Z\u0000')).toBeUndefined();
    expect(watermarkOf('2026-03-01\ud800')).toBeUndefined();
    expect(watermarkOf(null)).toBeUndefined();
  });

  it('moves a timestamp since back by the look-back window, and leaves numbers alone', () => {
    expect(sinceToSend('2026-03-01T08:05:00Z', 300)).toBe('2026-03-01T08:00:00.000Z');
    expect(sinceToSend('2026-03-01T08:05:00Z', 0)).toBe('2026-03-01T08:05:00Z');
    expect(sinceToSend('1700000000', 300)).toBe('1700000000');
  });
});

describe('recordsDigest', () => {
  it('is the same for the same records and differs when a record changed or was added', () => {
    const page = [{ id: 'R1', updated_at: 't1' }];
    expect(recordsDigest(page)).toBe(recordsDigest([{ id: 'R1', updated_at: 't1' }]));
    expect(recordsDigest(page)).not.toBe(recordsDigest([{ id: 'R1', updated_at: 't2' }]));
    expect(recordsDigest(page)).not.toBe(recordsDigest([...page, { id: 'R2', updated_at: 't1' }]));
  });
});
