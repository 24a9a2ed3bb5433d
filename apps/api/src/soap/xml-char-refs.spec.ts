import { readForbiddenCharRefs } from './xml-char-refs';

/** XML 1.0 §2.2: references to characters XML forbids become those characters, so the record (not the message) is refused. */
describe('readForbiddenCharRefs', () => {
  it.each([
    ['<v>a&#0;b</v>', '<v>a\u0000b</v>'],
    ['<v>a&#x0;b</v>', '<v>a\u0000b</v>'],
    ['<v>&#xD800;</v>', '<v>\ud800</v>'],
    ['<v>&#56320;</v>', '<v>\udc00</v>'],
    ['<v>&#1;&#x1f;</v>', '<v>\u0001\u001f</v>'],
    ['<v>&#xFFFE;</v>', '<v>\ufffe</v>'],
  ])('%s is read as the character it names', (xml, expected) => {
    expect(readForbiddenCharRefs(xml)).toBe(expected);
  });

  it.each(['<v>&#9;&#10;&#13;</v>', '<v>&#x597D;&#22909;&amp;&lt;</v>', '<v>&#x1F600;</v>', '<v>plain</v>'])('leaves %s to the parser', (xml) => {
    expect(readForbiddenCharRefs(xml)).toBe(xml);
  });
});
