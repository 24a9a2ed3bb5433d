import * as path from 'node:path';
import {
  archivedName,
  boundedRemoteName,
  escapeRemoteName,
  feedbackFileName,
  fileNameMatcher,
  formatOfName,
  isUsableRemoteName,
  remoteJoin,
  utcStamp,
} from './remote-names';

describe('escapeRemoteName (anchors E8: the original name only as escaped metadata)', () => {
  it.each([
    ['企业信用_2026-03.csv', '企业信用_2026-03.csv'],
    ['a\nb.csv', 'a\\x0ab.csv'],
    ['a\r\nb.csv', 'a\\x0d\\x0ab.csv'],
    ['tab\there.csv', 'tab\\x09here.csv'],
    ['bell\u0007.csv', 'bell\\x07.csv'],
    ['del\u007f.csv', 'del\\x7f.csv'],
    ['c1\u0085.csv', 'c1\\x85.csv'],
    ['line\u2028sep.csv', 'line\\u2028sep.csv'],
    ['invoice\u202Evsc.csv', 'invoice\\u202evsc.csv'],
    ['..\\..\\x.csv', '..\\x5c..\\x5cx.csv'],
    ['../../x.csv', '../../x.csv'],
  ])('escapes %j as %j', (name, expected) => {
    expect(escapeRemoteName(name)).toBe(expected);
  });

  it('keeps two names apart even when one spells the escape of the other', () => {
    expect(escapeRemoteName('a\\x0ab')).not.toBe(escapeRemoteName('a\nb'));
  });

  it('never yields a line break, whatever the input', () => {
    const all = Array.from({ length: 0x300 }, (_, i) => String.fromCharCode(i)).join('') + '\u2028\u2029';
    expect(escapeRemoteName(all)).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
  });

  it('caps the label length', () => {
    expect(escapeRemoteName('\n'.repeat(4096)).length).toBeLessThanOrEqual(1025);
  });
});

describe('isUsableRemoteName and remoteJoin', () => {
  it.each(['', '.', '..', 'a/b', '../x', 'a\0b', '/abs'])('refuses %j as a path component', (name) => {
    expect(isUsableRemoteName(name)).toBe(false);
    expect(() => remoteJoin('/drop', name)).toThrow();
  });

  it.each(['x.csv', '...csv', '..x.csv', 'a\nb.csv', 'CON', '企业.csv'])('accepts %j', (name) => {
    expect(isUsableRemoteName(name)).toBe(true);
    expect(path.posix.dirname(remoteJoin('/drop', name))).toBe('/drop');
  });

  it('joins under the root folder without doubling the slash', () => {
    expect(remoteJoin('/', 'x.csv')).toBe('/x.csv');
  });
});

describe('fileNameMatcher', () => {
  const matches = fileNameMatcher(['*.csv', '*.ndjson', 'credit_??.json']);

  it.each([
    ['企业信用.csv', true],
    ['a.ndjson', true],
    ['credit_01.json', true],
    ['credit_001.json', false],
    ['a.csv.ok', false],
    ['a.csv.part', false],
    ['a.CSV', false],
    ['a.csvx', false],
    ['a(1).csv', true],
    ['a+b[1].csv', true],
    ['.a.csv', false],
    ['.a.csv.XXXX', false],
  ])('%j → %s', (name, expected) => {
    expect(matches(name)).toBe(expected);
  });

  it('matches a hidden file only through a pattern that starts with a dot', () => {
    expect(fileNameMatcher(['.*.csv'])('.a.csv')).toBe(true);
  });
});

describe('formatOfName', () => {
  it.each([
    ['a.csv', 'csv'],
    ['a.CSV', 'csv'],
    ['a.ndjson', 'ndjson'],
    ['a.jsonl', 'ndjson'],
    ['a.json', 'json'],
    ['a.txt', undefined],
    ['csv', undefined],
    ['.csv', undefined],
  ])('%j → %s', (name, expected) => {
    expect(formatOfName(name)).toBe(expected);
  });
});

describe('archive and feedback names', () => {
  const at = new Date(Date.UTC(2026, 2, 1, 8, 5, 9, 123));

  it('stamps archives in UTC without colons', () => {
    expect(utcStamp(at)).toBe('2026-03-01T08-05-09.123Z');
    expect(archivedName(at, '企业.csv')).toBe('2026-03-01T08-05-09.123Z_企业.csv');
  });

  it('names the report after the file', () => {
    expect(feedbackFileName('企业.csv')).toBe('企业.csv.rejections.csv');
  });

  it('keeps names within 255 bytes, suffix intact, long names distinct', () => {
    const long1 = `${'信'.repeat(84)}a.csv`;
    const long2 = `${'信'.repeat(84)}b.csv`;
    for (const name of [feedbackFileName(long1), archivedName(at, long1)]) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    }
    expect(feedbackFileName(long1).endsWith('.rejections.csv')).toBe(true);
    expect(feedbackFileName(long1)).not.toBe(feedbackFileName(long2));
    expect(boundedRemoteName('p_', 'short', '.s')).toBe('p_short.s');
  });
});
