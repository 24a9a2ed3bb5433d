/**
 * Masking identifiers for logs and rejection values (R6; Rejection.value "is already masked when it
 * is personal").
 */
import { maskIdentifier, maskPersonalIdsInText } from './mask';

describe('maskIdentifier', () => {
  it.each([
    { name: '18-character citizen ID keeps first 4 and last 4', value: '35020319900101123X', masked: '3502**********123X' },
    { name: '18-character USCC keeps first 4 and last 4', value: '91350100M000100Y43', masked: '9135**********0Y43' },
    { name: '15-digit legacy number keeps first 2 and last 2', value: '350203900101123', masked: '35***********23' },
    { name: '9-character organisation code keeps first 2 and last 2', value: 'M000100Y4', masked: 'M0*****Y4' },
    { name: '5 characters keep first 2 and last 2', value: '12345', masked: '12*45' },
    { name: '4 characters are fully masked', value: '1234', masked: '****' },
    { name: '1 character is fully masked', value: 'X', masked: '*' },
    { name: 'empty stays empty', value: '', masked: '' },
    { name: 'longer than 18 keeps first 4 and last 4', value: '11010519491231002X99', masked: '1101************2X99' },
    { name: 'counts code points, not UTF-16 units', value: '𠀀𠀀𠀀𠀀𠀀', masked: '𠀀𠀀*𠀀𠀀' },
  ])('$name', ({ value, masked }) => {
    expect(maskIdentifier(value)).toBe(masked);
  });
});

describe('maskPersonalIdsInText', () => {
  it.each([
    {
      name: 'a citizen ID after Chinese text',
      text: '身份证号350203199001011234已退回',
      masked: '身份证号3502**********1234已退回',
    },
    {
      name: 'a citizen ID with lower-case x glued to an ASCII label',
      text: 'id=ID11010519491231002x;',
      masked: 'id=ID1101**********002x;',
    },
    {
      name: 'a USCC in a sentence',
      text: 'subject 91350100M000100Y43 rejected',
      masked: 'subject 9135**********0Y43 rejected',
    },
    {
      name: 'several identifiers in one line',
      text: '91350100M000100Y43,11010519491231002X',
      masked: '9135**********0Y43,1101**********002X',
    },
    {
      name: 'a full-width citizen ID',
      text: '号码：１１０１０５１９４９１２３１００２Ｘ',
      masked: '号码：１１０１**********００２Ｘ',
    },
    {
      name: 'a 15-digit legacy number',
      text: 'old id 110105491231002 converted',
      masked: 'old id 11***********02 converted',
    },
    {
      name: 'a mistyped USCC with letters outside the alphabet is still masked',
      text: 'code 9111000060003IOZSV bad',
      masked: 'code 9111**********OZSV bad',
    },
  ])('masks $name', ({ text, masked }) => {
    expect(maskPersonalIdsInText(text)).toBe(masked);
  });

  it.each([
    { name: 'a 13-digit millisecond timestamp', text: 'at 1718400000000 ms' },
    { name: 'a 20-digit number', text: 'trace 12345678901234567890' },
    { name: 'an 18-letter word', text: 'ABCDEFGHJKLMNPQRTU' },
    { name: 'a UUID', text: '123e4567-e89b-12d3-a456-426614174000' },
    { name: 'plain text', text: 'no identifiers here' },
  ])('leaves $name alone', ({ text }) => {
    expect(maskPersonalIdsInText(text)).toBe(text);
  });
});

describe('maskPersonalIdsInText on a field that is one 18-character code', () => {
  // Such a field takes a shortcut; it must answer exactly as the same code inside a sentence does.
  const alphabets = ['0123456789', '0123456789X', '0123456789ABCDEFGHJKLMNPQRTUWXY', '0123456789abcxyzXYZ'];
  let state = 20261127;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  // Half the samples have the six digits of a region code at characters 3-8, as a USCC has.
  const sample = (alphabet: string, i: number) =>
    Array.from({ length: 18 }, (_, at) => (i % 2 === 0 && at >= 2 && at <= 7 ? '0123456789' : alphabet)).map((a) => a[next(a.length)]).join('');

  it('masks or keeps each code as it would inside free text', () => {
    const codes = ['350203199001011234', '35020319900101123x', '91350200MA2Y0XYZ0K', 'AB12345CDEFGHIJKLM', ...alphabets.flatMap((a) => Array.from({ length: 500 }, (_, i) => sample(a, i)))];
    let masked = 0;
    for (const code of codes) {
      const alone = maskPersonalIdsInText(code);
      expect(alone).toBe(maskPersonalIdsInText(` ${code} `).slice(1, -1));
      if (alone !== code) masked += 1;
    }
    // Both answers are exercised, many times each.
    expect(masked).toBeGreaterThan(500);
    expect(codes.length - masked).toBeGreaterThan(500);
  });

  it('masks a citizen ID and a USCC whole, and leaves a code without six digits in a row', () => {
    expect(maskPersonalIdsInText('350203199001011234')).toBe('3502**********1234');
    expect(maskPersonalIdsInText('91350200MA2Y0XYZ0K')).toBe('9135**********YZ0K');
    expect(maskPersonalIdsInText('JY00000A20726176AB')).toBe('JY00000A20726176AB');
  });
});
