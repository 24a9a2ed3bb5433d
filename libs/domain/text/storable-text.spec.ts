import { findUnstorableText, firstUnstorableCharacter, isStorableText, storableRendering } from './storable-text';

describe('storable text (NUL, lone surrogates and C0 controls cannot be stored)', () => {
  it.each([
    ['plain Chinese', '厦门某某有限公司', -1],
    ['tab, LF and CR are kept', '第一行\r\n\t第二行', -1],
    ['an astral character as a surrogate pair', '𠀀𪚥', -1],
    ['NUL', 'ab\u0000c', 2],
    ['a lone high surrogate', 'x\ud800', 1],
    ['a lone low surrogate', '\udc00y', 0],
    ['a high surrogate followed by a non-surrogate', '\ud800a', 0],
    ['a vertical tab', 'a\u000bb', 1],
    ['ESC', '\u001b[31m', 0],
  ])('%s', (_, text, at) => {
    expect(firstUnstorableCharacter(text)).toBe(at);
    expect(isStorableText(text)).toBe(at === -1);
  });

  it('names the field path of the first bad value, without echoing the text', () => {
    const found = findUnstorableText({ subject_name: 'ok', penalty_categories: ['罚款', 'x\u0000'] });
    expect(found).toEqual({ field: 'penalty_categories.1', value: '第 2 个字符 \\u0000' });
  });

  it('names a bad key as sent, the bad character escaped', () => {
    expect(findUnstorableText({ details: { 'k\ud800': 1 } })).toEqual({ field: 'details.k\\ud800', value: '字段名第 2 个字符 \\ud800' });
    expect(findUnstorableText({ ['re\u0000marks']: 'x' })).toEqual({ field: 're\\u0000marks', value: '字段名第 3 个字符 \\u0000' });
    expect(findUnstorableText({ 'k\u0000': 1 })?.field).toBe('k\\u0000');
  });

  it('passes clean records, numbers, booleans and null', () => {
    expect(findUnstorableText({ a: 1, b: true, c: null, d: ['x', { e: '〇' }] })).toBeUndefined();
  });
});

describe('storableRendering (what a log may keep of text that cannot be stored)', () => {
  it.each([
    ['x\u0000', 'x\\u0000'],
    ['a\ud800b', 'a\\ud800b'],
    ['\udc00', '\\udc00'],
    ['\u001b[31m', '\\u001b[31m'],
    ['行政处罚\t\n', '行政处罚\t\n'],
    ['😀', '😀'],
    ['91350200MA2XXXXX7Q', '91350200MA2XXXXX7Q'],
  ])('%j → %j', (input, expected) => {
    expect(storableRendering(input)).toBe(expected);
    expect(isStorableText(storableRendering(input))).toBe(true);
  });
});
