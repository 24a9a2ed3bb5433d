import { DATE_FORMATS } from './mapping.schema';
import { CodeLookup, normalizeText, parseAmount, parseDate, pickPart, splitText } from './transforms';

describe('parseDate', () => {
  it.each([
    { name: 'compact YYYYMMDD', raw: '20240305', expected: '2024-03-05' },
    { name: 'ISO date', raw: '2024-03-05', expected: '2024-03-05' },
    { name: 'dashes without zero padding', raw: '2024-3-5', expected: '2024-03-05' },
    { name: 'slashes', raw: '2024/3/5', expected: '2024-03-05' },
    { name: 'slashes with padding', raw: '2024/03/05', expected: '2024-03-05' },
    { name: 'dots', raw: '2024.3.5', expected: '2024-03-05' },
    { name: 'Chinese 年月日', raw: '2024年3月5日', expected: '2024-03-05' },
    { name: 'Chinese with padding and spaces', raw: '2024 年 03 月 05 日', expected: '2024-03-05' },
    { name: 'Chinese with 号', raw: '2024年3月5号', expected: '2024-03-05' },
    { name: 'full-width digits', raw: '２０２４年３月５日', expected: '2024-03-05' },
    { name: 'full-width compact', raw: '２０２４０３０５', expected: '2024-03-05' },
    { name: 'surrounding blanks and U+3000', raw: '\u3000 2024-03-05 ', expected: '2024-03-05' },
    { name: 'database timestamp without offset: time ignored', raw: '2024-03-05 23:59:59', expected: '2024-03-05' },
    { name: 'timestamp with fraction', raw: '2024-03-05 10:20:30.123', expected: '2024-03-05' },
    { name: 'ISO instant in UTC late evening is the next day in China', raw: '2024-03-04T16:00:00Z', expected: '2024-03-05' },
    { name: 'ISO instant with +08:00', raw: '2024-03-05T00:10:00+08:00', expected: '2024-03-05' },
    { name: 'ISO instant with -0500', raw: '2024-03-04T12:00:00-0500', expected: '2024-03-05' },
    { name: '29 February of a leap year', raw: '2024-02-29', expected: '2024-02-29' },
    { name: 'long-term sentinel', raw: '2099-12-31', expected: '2099-12-31' },
  ])('reads $name', ({ raw, expected }) => {
    expect(parseDate(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    { name: '30 February', raw: '2024-02-30' },
    { name: '29 February of a common year', raw: '20230229' },
    { name: 'month 13', raw: '2024/13/01' },
    { name: 'day 0', raw: '2024.3.0' },
    { name: 'year before 1900 (a typing error)', raw: '0024-03-05' },
    { name: 'two-digit year', raw: '24-03-05' },
    { name: 'mixed separators', raw: '2024-03/05' },
    { name: 'text', raw: '三月五日' },
    { name: 'hour 24', raw: '2024-03-05 24:00:00' },
    { name: 'an Excel serial when excel_serial is not enabled', raw: '45356' },
    { name: 'a 7-digit number', raw: '2024035' },
    { name: 'empty', raw: '' },
  ])('rejects $name with INVALID_DATE', ({ raw }) => {
    expect(parseDate(raw)).toEqual({ ok: false, code: 'INVALID_DATE' });
  });

  it.each([
    { serial: '45356', expected: '2024-03-05' },
    { serial: '45356.75', expected: '2024-03-05' },
    { serial: '61', expected: '1900-03-01' },
    { serial: '1', expected: undefined },
    { serial: '60', expected: undefined },
    { serial: '2958465', expected: '9999-12-31' },
    { serial: '2958466', expected: undefined },
  ])('reads Excel serial $serial as $expected (1900 date system, Lotus leap-year bug)', ({ serial, expected }) => {
    expect(parseDate(serial, ['excel_serial'])).toEqual(
      expected === undefined ? { ok: false, code: 'INVALID_DATE' } : { ok: true, value: expected },
    );
  });

  it('accepts only the formats it is given', () => {
    expect(parseDate('2024-03-05', ['YYYYMMDD'])).toEqual({ ok: false, code: 'INVALID_DATE' });
    expect(parseDate('20240305', ['YYYYMMDD'])).toEqual({ ok: true, value: '2024-03-05' });
  });

  it('reads every shape when every format is enabled, with no overlap between them', () => {
    const all = [...DATE_FORMATS];
    for (const raw of ['20240305', '2024-03-05', '2024/3/5', '2024.3.5', '2024年3月5日', '45356']) {
      expect(parseDate(raw, all)).toEqual({ ok: true, value: '2024-03-05' });
    }
  });
});

describe('parseAmount', () => {
  it.each([
    { name: '万元 with four decimals: all significant digits, no padding', raw: '1.2345', unit: '万元', expected: '12345' },
    { name: '万元 half', raw: '0.5', unit: '万元', expected: '5000' },
    { name: '万元 with more than four decimals keeps the rest', raw: '1.23456', unit: '万元', expected: '12345.6' },
    { name: '万元 tiny', raw: '0.00001', unit: '万元', expected: '0.1' },
    { name: '万元 integer', raw: '3', unit: '万元', expected: '30000' },
    { name: '万元 zero', raw: '0', unit: '万元', expected: '0' },
    { name: '万元 zero with decimals', raw: '0.0000', unit: '万元', expected: '0' },
    { name: 'yuan with thousands separators', raw: '1,234.50', unit: '元', expected: '1234.5' },
    { name: 'full-width comma separator', raw: '1，234', unit: '元', expected: '1234' },
    { name: 'full-width digits and point', raw: '１２，３４５．６', unit: '元', expected: '12345.6' },
    { name: 'leading zeros', raw: '007', unit: '元', expected: '7' },
    { name: 'trailing fractional zeros', raw: '5000.00', unit: '元', expected: '5000' },
    { name: 'a 元 suffix in the value wins over a 万元 column', raw: '5000元', unit: '万元', expected: '5000' },
    { name: 'a 万元 suffix in the value', raw: '1.5万元', unit: '元', expected: '15000' },
    { name: 'a 万 suffix', raw: '2万', unit: '元', expected: '20000' },
    { name: 'a currency sign', raw: '￥1,000', unit: '元', expected: '1000' },
    { name: 'beyond float precision (exact on the digits)', raw: '12345678901234567.89', unit: '万元', expected: '123456789012345678900' },
    { name: 'no float rounding: 0.1 + 0.2 style', raw: '0.30000000000000004', unit: '元', expected: '0.30000000000000004' },
  ] as const)('reads $name', ({ raw, unit, expected }) => {
    expect(parseAmount(raw, unit)).toEqual({ ok: true, value: expected });
  });

  it.each([
    { name: 'negative', raw: '-5' },
    { name: 'exponent', raw: '1e5' },
    { name: 'comma not in groups of three (a decimal comma?)', raw: '12,34' },
    { name: 'text', raw: '五千元' },
    { name: 'two points', raw: '1.2.3' },
    { name: 'bare point', raw: '.5' },
    { name: 'empty', raw: '' },
    { name: 'an unknown unit', raw: '5000美元' },
  ])('rejects $name with INVALID_FORMAT', ({ raw }) => {
    expect(parseAmount(raw, '元')).toEqual({ ok: false, code: 'INVALID_FORMAT' });
  });

  it('pads to the requested decimals', () => {
    expect(parseAmount('0.5', '万元', 2)).toEqual({ ok: true, value: '5000.00' });
    expect(parseAmount('1,234.5', '元', 2)).toEqual({ ok: true, value: '1234.50' });
  });

  it('rejects rather than rounds a value with more decimals than requested', () => {
    expect(parseAmount('1.2345678', '万元', 2)).toEqual({ ok: false, code: 'INVALID_FORMAT' });
    expect(parseAmount('1.234567', '万元', 2)).toEqual({ ok: true, value: '12345.67' });
  });
});

describe('normalizeText', () => {
  it('trims by default and keeps full-width punctuation in Chinese text', () => {
    expect(normalizeText('\u3000厦门某某（集团）有限公司，  ')).toBe('厦门某某（集团）有限公司，');
  });

  it('folds full-width to half-width on request', () => {
    expect(normalizeText('ＡＢＣ１２３（甲）', { trim: true, halfWidth: true, collapseSpaces: false })).toBe('ABC123(甲)');
  });

  it('collapses runs of whitespace on request', () => {
    expect(normalizeText(' a \t\n b\u3000c ', { trim: true, halfWidth: false, collapseSpaces: true })).toBe('a b c');
  });

  it('leaves surrounding blanks when trim is off', () => {
    expect(normalizeText(' a ', { trim: false, halfWidth: false, collapseSpaces: false })).toBe(' a ');
  });
});

describe('splitText and pickPart', () => {
  it('cuts at any separator, trims and drops empty pieces', () => {
    expect(splitText(' 警告, 罚款;;行政拘留 ', [',', ';'])).toEqual(['警告', '罚款', '行政拘留']);
  });

  it('does not cut a piece the keep predicate protects', () => {
    const keep = (p: string): boolean => p === '没收违法所得、没收非法财物';
    expect(splitText('罚款，没收违法所得、没收非法财物', ['，', '、'], keep)).toEqual(['罚款', '没收违法所得、没收非法财物']);
    expect(splitText('警告、罚款', ['，', '、'], keep)).toEqual(['警告', '罚款']);
  });

  it('takes a part, counting from the end when negative, undefined when missing', () => {
    const pieces = splitText('张三/13800000000/厦门', '/');
    expect(pickPart(pieces, 0)).toBe('张三');
    expect(pickPart(pieces, -1)).toBe('厦门');
    expect(pickPart(pieces, 5)).toBeUndefined();
  });
});

describe('CodeLookup', () => {
  const table = { 法人: 'legal_person', 'A01': 'x', 无: null };

  it('translates trimmed, full-width-folded, ASCII case-insensitive', () => {
    const codes = new CodeLookup({ table, keepUnknown: false });
    expect(codes.translate(' 法人 ')).toEqual({ ok: true, value: 'legal_person' });
    expect(codes.translate('ａ０１')).toEqual({ ok: true, value: 'x' });
    expect(codes.translate('无')).toEqual({ ok: true, value: null });
  });

  it('rejects an unlisted value with UNKNOWN_CODE_VALUE', () => {
    expect(new CodeLookup({ table, keepUnknown: false }).translate('社团')).toEqual({ ok: false, code: 'UNKNOWN_CODE_VALUE' });
  });

  it('falls back to otherwise', () => {
    expect(new CodeLookup({ table, otherwise: 'other', keepUnknown: false }).translate('社团')).toEqual({ ok: true, value: 'other' });
  });

  it('keeps unlisted values with keepUnknown', () => {
    expect(new CodeLookup({ table, keepUnknown: true }).translate('社团')).toEqual({ ok: true, value: '社团' });
  });
});
