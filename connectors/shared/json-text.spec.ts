/** writeJson writes JSON.stringify's exact text without recursion (issue 11 finding 6: a 20,000-deep supplier record). */
import { writeJson } from './json-text';
import { recordsDigest } from './watermark';

function written(value: unknown): string {
  let out = '';
  writeJson(value, (t) => (out += t));
  return out;
}

describe('writeJson', () => {
  it.each([
    ['a record', { id: 'R1', name: '厦门', n: 1.5, ok: true, none: null, list: [1, 'a', null, { x: [] }], empty: {} }],
    ['members JSON.stringify leaves out', { a: undefined, f: () => 1, s: Symbol('x'), b: 2 }],
    ['array holes and unwritable elements', [undefined, () => 1, 3]],
    ['dates and buffers (toJSON)', { at: new Date(Date.UTC(2026, 0, 2)), bytes: Buffer.from('hi') }],
    ['escapes', { 'k"\n': 'a"\\\u0001\u2028' }],
    ['non-finite numbers', [NaN, Infinity, -0]],
    ['scalars', '文本'],
  ])('writes %s as JSON.stringify does', (_what, value) => {
    expect(written(value)).toBe(JSON.stringify(value));
  });

  it('writes a record 20,000 levels deep, which JSON.stringify cannot', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = written(deep);
    expect(text.length).toBe(20_000 * 6 + 1);
    expect(text.startsWith('{"a":{"a":')).toBe(true);
    expect(recordsDigest([deep])).toMatch(/^[0-9a-f]{16}$/);
  });
});
