/**
 * What the loader stores of a chunk's rejections (issue 11 finding 6: 1.4 M rejection rows from a
 * 300 KB body): at most INGEST_MAX_REJECTIONS_PER_BATCH rows per batch, the rest counted; and only
 * text PostgreSQL can hold, so an echo clipped inside a surrogate pair cannot fail the chunk.
 */
import { rejectionRowsAllowed, storableText } from './record.repository';

describe('rejectionRowsAllowed', () => {
  it.each([
    { used: 0, wanted: 30, cap: 10_000, allowed: 30 },
    { used: 9_990, wanted: 30, cap: 10_000, allowed: 10 },
    { used: 10_000, wanted: 30, cap: 10_000, allowed: 0 },
    { used: 12_000, wanted: 5, cap: 10_000, allowed: 0 },
    { used: 0, wanted: 5, cap: 0, allowed: 0 },
  ])('$used stored, $wanted more, cap $cap → $allowed', ({ used, wanted, cap, allowed }) => {
    expect(rejectionRowsAllowed(used, wanted, cap)).toBe(allowed);
  });
});

describe('storableText', () => {
  it('replaces a high surrogate left alone by a clip at 200 characters', () => {
    const clipped = `${'x'.repeat(199)}😀`.slice(0, 200) + '…';
    expect(storableText(clipped)).toBe(`${'x'.repeat(199)}\ufffd…`);
  });

  it('replaces a lone low surrogate and NUL', () => {
    expect(storableText('a\udc00b\u0000c')).toBe('a\ufffdb\ufffdc');
  });

  it('keeps pairs: a CJK Extension B name and an emoji pass unchanged', () => {
    expect(storableText('𠀀𬌗公司😀')).toBe('𠀀𬌗公司😀');
  });
});
