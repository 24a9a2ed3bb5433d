import { loadCatalog } from '../catalog/catalog';
import { citizenId, uscc } from '../test/fixtures/credit-data';
import {
  applyMapping,
  checkMappingAgainstCatalog,
  parseMappingDocument,
  parseMappingYaml,
  type MappingResult,
} from './mapping-engine';
import type { MappingDocument, MappingDocumentInput } from './mapping.schema';

function mapping(input: MappingDocumentInput): MappingDocument {
  const parsed = parseMappingDocument(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.mapping;
}

function problemsOf(input: unknown): { path: string; message: string }[] {
  const parsed = parseMappingDocument(input);
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
}

function recordOf(result: MappingResult): Record<string, unknown> {
  if (!result.ok) throw new Error(JSON.stringify(result.rejections));
  return result.record;
}

const one = (rule: unknown): MappingDocument => mapping({ item: 'administrative_penalty', fields: { out: rule } } as MappingDocumentInput);

describe('parseMappingDocument', () => {
  it('accepts a minimal document and fills the defaults', () => {
    const parsed = parseMappingDocument({ item: 'administrative_penalty', fields: { subject_name: '行政相对人名称' } });
    expect(parsed).toEqual({
      ok: true,
      mapping: {
        item: 'administrative_penalty',
        keepUnmapped: false,
        ignoreSourceCase: false,
        fields: { subject_name: '行政相对人名称' },
      },
    });
  });

  it('reports the path of a bad date format inside a rule', () => {
    const problems = problemsOf({
      item: 'administrative_penalty',
      fields: { decision_date: { from: '处罚日期', date: { formats: ['YYYY-MM-DD'] } } },
    });
    expect(problems).toEqual([{ path: 'fields.decision_date.date.formats[0]', message: expect.any(String) }]);
  });

  it('reports every problem of the document, each with its path', () => {
    const problems = problemsOf({
      item: 'Administrative Penalty',
      fields: {
        SubjectName: '名称',
        fine_amount: { from: '罚款', amount: { unit: '美元' } },
        subject_type: { from: '类别', codes: { table: { 法人: 5 } } },
        remarks: { from: '备注', colour: 'red' },
        decision_no: 7,
      },
      keepUnmaped: true,
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'item',
        'fields.SubjectName',
        'fields.fine_amount.amount.unit',
        'fields.subject_type.codes.table.法人',
        'fields.remarks.colour',
        'fields.decision_no',
        'keepUnmaped',
      ].sort(),
    );
  });

  it('writes its messages in Chinese', () => {
    const [problem] = problemsOf({ item: 'administrative_penalty', fields: { out: { from: 'a', const: 'b' } } });
    expect(problem).toEqual({ path: 'fields.out.const', message: '只能有一个取值来源，已有 from、const' });
  });

  it.each([
    { name: 'a rule with no source and no default', rule: { text: {} }, path: 'fields.out' },
    { name: 'a constant with a transform', rule: { const: 'x', date: true }, path: 'fields.out.date' },
    { name: 'date and amount together', rule: { from: 'a', date: true, amount: {} }, path: 'fields.out.amount' },
    { name: 'a list split fed to a date', rule: { from: 'a', split: { separator: ',' }, date: true }, path: 'fields.out.split.part' },
    { name: 'otherwise with keepUnknown', rule: { from: 'a', codes: { table: { a: 'b' }, otherwise: 'c', keepUnknown: true } }, path: 'fields.out.codes.keepUnknown' },
    { name: 'an empty code table', rule: { from: 'a', codes: { table: {} } }, path: 'fields.out.codes.table' },
    { name: 'code keys equal after folding', rule: { from: 'a', codes: { table: { A: 'x', ' ａ': 'y' } } }, path: 'fields.out.codes.table. ａ' },
    { name: 'a repeated date format', rule: { from: 'a', date: { formats: ['YYYYMMDD', 'YYYYMMDD'] } }, path: 'fields.out.date.formats[1]' },
    { name: 'a concat of one field', rule: { concat: { from: ['a'] } }, path: 'fields.out.concat.from' },
    { name: 'an empty firstOf', rule: { firstOf: [] }, path: 'fields.out.firstOf' },
    { name: 'a firstOf label that is not snake_case', rule: { firstOf: [{ from: 'a', as: 'USCC' }] }, path: 'fields.out.firstOf[0].as' },
    { name: 'a blank source name', rule: '  ', path: 'fields.out' },
    { name: 'a condition with two forms', rule: { default: { value: 'x', when: { present: 'a', absent: 'b' } } }, path: 'fields.out.default.when' },
    { name: 'a negative decimals', rule: { from: 'a', amount: { decimals: -1 } }, path: 'fields.out.amount.decimals' },
  ])('rejects $name at $path', ({ rule, path }) => {
    expect(problemsOf({ item: 'administrative_penalty', fields: { out: rule } }).map((p) => p.path)).toContain(path);
  });

  it('rejects a default condition that names a field the document does not map', () => {
    const problems = problemsOf({
      item: 'administrative_penalty',
      fields: { notice_method: { default: { value: 'written', when: { present: 'notified_on' } } } },
    });
    expect(problems).toEqual([
      { path: 'fields.notice_method.default.when.present', message: '条件引用的字段 notified_on 不在 fields 中' },
    ]);
  });

  it('rejects a field that collides with the source label a firstOf writes', () => {
    const problems = problemsOf({
      item: 'administrative_penalty',
      fields: { subject_code: { firstOf: [{ from: 'a', as: 'uscc' }] }, subject_code_source: 'b' },
    });
    expect(problems.map((p) => p.path)).toEqual(['fields.subject_code_source']);
  });

  it('rejects a document that is not an object, and one without fields', () => {
    expect(problemsOf('item: x')[0]?.path).toBe('');
    expect(problemsOf({ item: 'administrative_penalty', fields: {} })).toEqual([{ path: 'fields', message: '至少需要一个字段' }]);
  });
});

describe('parseMappingYaml', () => {
  it('keeps code keys as written: 01 stays "01", not the number 1', () => {
    const parsed = parseMappingYaml(
      ['item: administrative_penalty', 'fields:', '  subject_type:', '    from: 类别', '    codes:', '      table:', '        01: natural_person', '        1.0: legal_person'].join('\n'),
    );
    expect(parsed.ok && parsed.mapping.fields['subject_type']).toEqual({
      from: '类别',
      codes: { table: { '01': 'natural_person', '1.0': 'legal_person' }, keepUnknown: false },
    });
  });

  it('reports YAML syntax errors and duplicate keys', () => {
    const broken = parseMappingYaml('item: [unclosed\n');
    expect(broken.ok).toBe(false);
    const duplicate = parseMappingYaml('item: a\nitem: b\nfields: {x: y}\n');
    expect(!duplicate.ok && duplicate.problems[0]?.message).toMatch(/^YAML: /);
  });
});

describe('applyMapping', () => {
  it('renames source fields in any language and lists every source field', () => {
    const m = mapping({ item: 'administrative_penalty', fields: { subject_name: '行政相对人名称', decision_no: { from: 'decisionNumber' } } });
    const result = applyMapping(m, { 行政相对人名称: ' 厦门某某（集团）有限公司 ', decisionNumber: '厦市监罚〔2024〕1号', 宗教信仰: '无' });
    expect(result).toEqual({
      ok: true,
      record: { subject_name: '厦门某某（集团）有限公司', decision_no: '厦市监罚〔2024〕1号' },
      sourceFields: ['行政相对人名称', 'decisionNumber', '宗教信仰'],
    });
  });

  it('finds a header with a BOM or surrounding blanks, and ignores ASCII case when asked', () => {
    const m = mapping({ item: 'administrative_penalty', ignoreSourceCase: true, fields: { a: '名称', b: 'CF_WSH' } });
    expect(recordOf(applyMapping(m, { '\ufeff名称 ': 'x', cf_wsh: 'y' }))).toEqual({ a: 'x', b: 'y' });
    const strict = mapping({ item: 'administrative_penalty', fields: { b: 'CF_WSH' } });
    expect(recordOf(applyMapping(strict, { cf_wsh: 'y' }))).toEqual({});
  });

  it('leaves out a field whose source is missing, null or blank (the catalog decides if it is required)', () => {
    const m = mapping({ item: 'administrative_penalty', fields: { a: 'x', b: 'y', c: 'z' } });
    expect(recordOf(applyMapping(m, { y: null, z: ' \u3000' }))).toEqual({});
  });

  it('writes constants whatever the source says', () => {
    const m = one({ const: ['罚款'] });
    expect(recordOf(applyMapping(m, { out: 'x' }))).toEqual({ out: ['罚款'] });
  });

  it('reads numbers and booleans as their text', () => {
    expect(recordOf(applyMapping(one({ from: 'n' }), { n: 42 }))).toEqual({ out: '42' });
    expect(recordOf(applyMapping(one({ from: 'b' }), { b: false }))).toEqual({ out: 'false' });
  });

  describe('concat', () => {
    it('joins the non-empty parts with the separator', () => {
      const m = one({ concat: { from: ['省', '市', '区'], separator: '-' } });
      expect(recordOf(applyMapping(m, { 省: '福建省 ', 市: '', 区: '思明区' }))).toEqual({ out: '福建省-思明区' });
    });

    it('yields nothing when every part is empty', () => {
      expect(recordOf(applyMapping(one({ concat: { from: ['a', 'b'] } }), {}))).toEqual({});
    });
  });

  describe('split', () => {
    it('turns one source into a list without duplicates', () => {
      const m = one({ from: 'types', split: { separator: ['，', ','] } });
      expect(recordOf(applyMapping(m, { types: '警告，罚款,警告' }))).toEqual({ out: ['警告', '罚款'] });
    });

    it('takes part i of a split', () => {
      const m = one({ from: 'contact', split: { separator: '/', part: 1 } });
      expect(recordOf(applyMapping(m, { contact: '张三/13800000000' }))).toEqual({ out: '13800000000' });
      expect(recordOf(applyMapping(m, { contact: '张三' }))).toEqual({});
    });

    it('splits every element of a list the source already sends', () => {
      const m = one({ from: 'types', split: { separator: '、' } });
      expect(recordOf(applyMapping(m, { types: ['警告、罚款', '行政拘留'] }))).toEqual({ out: ['警告', '罚款', '行政拘留'] });
    });
  });

  describe('codes', () => {
    const table = { '01': 'natural_person', '02': 'legal_person', 无: null };

    it('translates through the table', () => {
      expect(recordOf(applyMapping(one({ from: 't', codes: { table } }), { t: '02' }))).toEqual({ out: 'legal_person' });
    });

    it('rejects an unlisted value with UNKNOWN_CODE_VALUE and the value', () => {
      expect(applyMapping(one({ from: 't', codes: { table } }), { t: '09' })).toEqual({
        ok: false,
        rejections: [{ field: 'out', code: 'UNKNOWN_CODE_VALUE', value: '09' }],
        sourceFields: ['t'],
      });
    });

    it('uses otherwise for an unlisted value', () => {
      const m = one({ from: 't', codes: { table, otherwise: 'legal_person' } });
      expect(recordOf(applyMapping(m, { t: '09' }))).toEqual({ out: 'legal_person' });
    });

    it('treats a null translation as no value', () => {
      expect(recordOf(applyMapping(one({ from: 't', codes: { table } }), { t: '无' }))).toEqual({});
    });

    it('translates each element of a split and names the failing element', () => {
      const m = one({ from: 't', split: { separator: ',' }, codes: { table: { a: 'A', b: 'B' } } });
      expect(recordOf(applyMapping(m, { t: 'a,b,a' }))).toEqual({ out: ['A', 'B'] });
      expect(applyMapping(m, { t: 'a,zz' })).toMatchObject({ ok: false, rejections: [{ field: 'out', code: 'UNKNOWN_CODE_VALUE', value: 'zz' }] });
    });

    it('does not cut a value that is itself a code-list entry containing the separator', () => {
      const m = one({
        from: 't',
        split: { separator: [',', '、'] },
        codes: { table: { 罚款: '罚款', '没收违法所得、没收非法财物': 'C', 没收违法所得: 'C' } },
      });
      expect(recordOf(applyMapping(m, { t: '罚款,没收违法所得、没收非法财物' }))).toEqual({ out: ['罚款', 'C'] });
      expect(recordOf(applyMapping(m, { t: '罚款、没收违法所得' }))).toEqual({ out: ['罚款', 'C'] });
    });

    it('can feed a translated value to a date rule (长期 → 2099-12-31)', () => {
      const m = one({ from: 'to', codes: { table: { 长期: '2099-12-31' }, keepUnknown: true }, date: true });
      expect(recordOf(applyMapping(m, { to: '长期' }))).toEqual({ out: '2099-12-31' });
      expect(recordOf(applyMapping(m, { to: '2030/1/1' }))).toEqual({ out: '2030-01-01' });
    });
  });

  describe('date', () => {
    it('parses the supplier formats into YYYY-MM-DD', () => {
      const m = one({ from: 'd', date: { formats: ['YYYYMMDD', 'YYYY年M月D日', 'excel_serial'] } });
      expect(recordOf(applyMapping(m, { d: '20240305' }))).toEqual({ out: '2024-03-05' });
      expect(recordOf(applyMapping(m, { d: '2024年3月5日' }))).toEqual({ out: '2024-03-05' });
      expect(recordOf(applyMapping(m, { d: 45356 }))).toEqual({ out: '2024-03-05' });
    });

    it('reads a database Date as its China calendar date', () => {
      expect(recordOf(applyMapping(one({ from: 'd', date: true }), { d: new Date('2024-03-04T16:30:00Z') }))).toEqual({ out: '2024-03-05' });
    });

    it('rejects an impossible date with INVALID_DATE', () => {
      expect(applyMapping(one({ from: 'd', date: true }), { d: '2024-02-30' })).toMatchObject({
        ok: false,
        rejections: [{ field: 'out', code: 'INVALID_DATE', value: '2024-02-30' }],
      });
    });
  });

  describe('amount', () => {
    it('converts 万元 to yuan on the digits', () => {
      const m = one({ from: 'fk', amount: { unit: '万元' } });
      expect(recordOf(applyMapping(m, { fk: '1.2345' }))).toEqual({ out: '12345' });
      expect(recordOf(applyMapping(m, { fk: 0.5 }))).toEqual({ out: '5000' });
    });

    it('reads thousands separators and full-width digits, padding to the requested decimals', () => {
      const m = one({ from: 'fk', amount: { decimals: 2 } });
      expect(recordOf(applyMapping(m, { fk: '１，２３４.5' }))).toEqual({ out: '1234.50' });
    });

    it('rejects an unreadable amount with INVALID_FORMAT', () => {
      expect(applyMapping(one({ from: 'fk', amount: {} }), { fk: '五千' })).toMatchObject({
        ok: false,
        rejections: [{ field: 'out', code: 'INVALID_FORMAT', value: '五千' }],
      });
    });
  });

  describe('text', () => {
    it('folds full-width to half-width and collapses blanks on request', () => {
      const m = one({ from: 'x', text: { halfWidth: true, collapseSpaces: true } });
      expect(recordOf(applyMapping(m, { x: '　ＡＢＣ  公司（厦门）　' }))).toEqual({ out: 'ABC 公司(厦门)' });
    });
  });

  describe('identifiers and the subject code', () => {
    const subject: MappingDocumentInput = {
      item: 'administrative_penalty',
      fields: {
        subject_code: {
          identifier: true,
          firstOf: [
            { from: '统一社会信用代码', as: 'uscc' },
            { from: '工商注册号', as: 'business_registration_no' },
            { from: '组织机构代码', as: 'organization_code' },
            { from: '证件号码', as: 'id_document_no' },
          ],
        },
      },
    };
    const m = mapping(subject);

    it('takes the first non-empty column and records which one it was', () => {
      const result = applyMapping(m, { 统一社会信用代码: '', 组织机构代码: '', 证件号码: citizenId(1) });
      expect(result).toEqual({
        ok: true,
        record: { subject_code: citizenId(1), subject_code_source: 'id_document_no' },
        sourceFields: ['统一社会信用代码', '组织机构代码', '证件号码'],
        subjectCodeSource: 'id_document_no',
      });
    });

    it('normalises the code as the identity checks read it', () => {
      const code = uscc(7);
      const fullWidth = [...code].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
      expect(recordOf(applyMapping(m, { 统一社会信用代码: ` ${fullWidth.slice(0, 9)}-${fullWidth.slice(9)} ` }))).toEqual({
        subject_code: code,
        subject_code_source: 'uscc',
      });
    });

    it('skips the 个体工商户 placeholder for the 工商注册号', () => {
      const result = applyMapping(m, { 统一社会信用代码: '00000000000000000x', 工商注册号: '350203600123456' });
      expect(result).toMatchObject({
        ok: true,
        record: { subject_code: '350203600123456', subject_code_source: 'business_registration_no' },
        subjectCodeSource: 'business_registration_no',
      });
    });

    it('keeps the placeholder when no other column has a value, so validation says SUBJECT_UNRESOLVED', () => {
      expect(recordOf(applyMapping(m, { 统一社会信用代码: '00000000000000000X', 工商注册号: '' }))).toEqual({
        subject_code: '00000000000000000X',
        subject_code_source: 'uscc',
      });
    });

    it.each(['9.13502E+17', '3.50203196102020E+17', '913502000000000000'])(
      'rejects spreadsheet damage %s with SPREADSHEET_DAMAGE instead of repairing it, value masked',
      (damaged) => {
        const result = applyMapping(m, { 统一社会信用代码: damaged, 工商注册号: '350203600123456' });
        expect(result).toMatchObject({ ok: false, rejections: [{ field: 'subject_code', code: 'SPREADSHEET_DAMAGE' }] });
        const value = result.ok ? '' : (result.rejections[0]?.value ?? '');
        expect(value).toContain('*');
        expect(value).not.toBe(damaged);
      },
    );

    it('rejects an 18-digit code sent as a JSON number: it lost digits before it arrived', () => {
      const result = applyMapping(m, JSON.parse('{"证件号码": 350203196110140010}') as Record<string, unknown>);
      expect(result).toMatchObject({ ok: false, rejections: [{ field: 'subject_code', code: 'SPREADSHEET_DAMAGE' }] });
      expect(recordOf(applyMapping(m, { 工商注册号: 350203600123456 }))).toMatchObject({ subject_code: '350203600123456' });
    });

    it('checks a single identifier column for damage too', () => {
      const authority = one({ from: 'jgdm', identifier: true });
      expect(applyMapping(authority, { jgdm: '1.2E+17' })).toMatchObject({ ok: false, rejections: [{ code: 'SPREADSHEET_DAMAGE' }] });
      expect(recordOf(applyMapping(authority, { jgdm: uscc(3).toLowerCase() }))).toEqual({ out: uscc(3) });
    });

    it('records nothing when the firstOf entries carry no label', () => {
      const m2 = one({ firstOf: ['文书号', '许可编号'] });
      expect(applyMapping(m2, { 文书号: '', 许可编号: 'XK-1' })).toEqual({ ok: true, record: { out: 'XK-1' }, sourceFields: ['文书号', '许可编号'] });
    });
  });

  describe('defaults', () => {
    const m = mapping({
      item: 'administrative_penalty',
      fields: {
        notified_on: { from: '告知日期', date: true },
        notice_method: {
          from: '告知方式',
          codes: { table: { 书面: 'written', 公告: 'public_notice' } },
          default: { value: 'written', when: { present: 'notified_on' } },
        },
        remarks: { from: '备注', default: { value: '无' } },
        legal_representative: { from: '法人', default: { value: '（无）', when: { field: 'notice_method', equals: ['public_notice'] } } },
      },
    });

    it('applies a default when its condition holds', () => {
      expect(recordOf(applyMapping(m, { 告知日期: '2024-03-01' }))).toEqual({ notified_on: '2024-03-01', notice_method: 'written', remarks: '无' });
    });

    it('does not apply a conditional default when the condition fails', () => {
      expect(recordOf(applyMapping(m, { 备注: '补报' }))).toEqual({ remarks: '补报' });
    });

    it('never overrides a value the source gives', () => {
      expect(recordOf(applyMapping(m, { 告知日期: '2024-03-01', 告知方式: '公告' }))).toEqual({
        notified_on: '2024-03-01',
        notice_method: 'public_notice',
        remarks: '无',
        legal_representative: '（无）',
      });
    });

    it('does not apply a default when the source value is rejected', () => {
      expect(applyMapping(m, { 告知日期: '2024-03-01', 告知方式: '口头' })).toMatchObject({
        ok: false,
        rejections: [{ field: 'notice_method', code: 'UNKNOWN_CODE_VALUE' }],
      });
    });
  });

  it('reports every failing field, not only the first', () => {
    const m = mapping({
      item: 'administrative_penalty',
      fields: {
        decision_date: { from: '日期', date: true },
        fine_amount: { from: '金额', amount: {} },
        subject_type: { from: '类别', codes: { table: { 法人: 'legal_person' } } },
        subject_code: { from: '代码', identifier: true },
        subject_name: '名称',
      },
    });
    const result = applyMapping(m, { 日期: '2024-13-01', 金额: 'abc', 类别: '社团', 代码: '9.1E+17', 名称: '某公司' });
    expect(result).toEqual({
      ok: false,
      rejections: [
        { field: 'decision_date', code: 'INVALID_DATE', value: '2024-13-01' },
        { field: 'fine_amount', code: 'INVALID_FORMAT', value: 'abc' },
        { field: 'subject_type', code: 'UNKNOWN_CODE_VALUE', value: '社团' },
        { field: 'subject_code', code: 'SPREADSHEET_DAMAGE', value: '9.***17' },
      ],
      sourceFields: ['日期', '金额', '类别', '代码', '名称'],
    });
  });

  it('rejects a nested object with MAPPING_ERROR', () => {
    expect(applyMapping(one({ from: 'party' }), { party: { name: 'x' } })).toEqual({
      ok: false,
      rejections: [{ field: 'out', code: 'MAPPING_ERROR', value: '{"name":"x"}' }],
      sourceFields: ['party'],
    });
  });

  it('rejects a list where a single date is expected with MAPPING_ERROR', () => {
    expect(applyMapping(one({ from: 'd', date: true }), { d: ['2024-03-05', '2024-03-06'] })).toMatchObject({
      ok: false,
      rejections: [{ field: 'out', code: 'MAPPING_ERROR' }],
    });
  });

  it('clips long values and replaces control characters in a rejection', () => {
    const result = applyMapping(one({ from: 'd', date: true }), { d: `x\u0000${'y'.repeat(300)}` });
    const value = result.ok ? '' : (result.rejections[0]?.value ?? '');
    expect(value.startsWith('x\ufffdy')).toBe(true);
    expect(value).toHaveLength(201);
  });

  it('keeps unmapped source fields only when keepUnmapped is set, never over a canonical field', () => {
    const doc = { item: 'administrative_penalty', fields: { subject_name: '名称' } } as const;
    const source = { 名称: '某公司', remarks: '原样', subject_name: '不覆盖' };
    expect(recordOf(applyMapping(mapping(doc), source))).toEqual({ subject_name: '某公司' });
    expect(recordOf(applyMapping(mapping({ ...doc, keepUnmapped: true }), source))).toEqual({ subject_name: '某公司', remarks: '原样' });
  });

  it('keeps a supplier key "__proto__" as data', () => {
    const source = JSON.parse('{"名称": "某公司", "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const record = recordOf(applyMapping(mapping({ item: 'administrative_penalty', keepUnmapped: true, fields: { subject_name: '名称' } }), source));
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['subject_name', '__proto__']);
  });

  it('carries the record key source_key over unless a rule produces it', () => {
    const m = mapping({ item: 'administrative_penalty', fields: { subject_name: '名称' } });
    expect(recordOf(applyMapping(m, { 名称: 'a', source_key: 'K1' }))).toEqual({ subject_name: 'a', source_key: 'K1' });
    const keyed = mapping({ item: 'administrative_penalty', fields: { source_key: '案件编号' } });
    expect(recordOf(applyMapping(keyed, { 案件编号: 'AJ-9', source_key: 'K1' }))).toEqual({ source_key: 'AJ-9' });
  });
});

describe('checkMappingAgainstCatalog', () => {
  const catalog = loadCatalog();
  const penalty = catalog.find('administrative_penalty');
  if (penalty === undefined) throw new Error('catalog lacks administrative_penalty');

  it('accepts a mapping whose fields and code values are the catalog item’s', () => {
    const m = mapping({
      item: 'administrative_penalty',
      fields: {
        subject_type: { from: '类别', codes: { table: { 法人: 'legal_person', 无: null } } },
        penalty_categories: { from: '种类', split: { separator: ',' } },
        fine_amount: { from: '金额', amount: { unit: '万元' } },
        notice_method: { default: { value: 'written' } },
        source_key: '编号',
      },
    });
    expect(checkMappingAgainstCatalog(m, penalty)).toEqual([]);
  });

  it('reports unknown fields, values outside the code list and transforms of the wrong type', () => {
    const m = mapping({
      item: 'administrative_license',
      fields: {
        colour: '颜色',
        subject_type: { from: '类别', codes: { table: { 法人: 'company' }, otherwise: 'other' } },
        penalty_categories: { const: ['罚款', '罚金'] },
        notice_method: { default: { value: 'oral' } },
        remarks: { from: '备注', date: true },
        decision_no: { from: '文号', amount: {} },
        violation_type: { from: '类型', split: { separator: ',' } },
      },
    });
    expect(checkMappingAgainstCatalog(m, penalty).map((p) => p.path)).toEqual([
      'item',
      'fields.colour',
      'fields.subject_type.codes.table.法人',
      'fields.subject_type.codes.otherwise',
      'fields.penalty_categories.const',
      'fields.notice_method.default.value',
      'fields.remarks.date',
      'fields.decision_no.amount',
      'fields.violation_type.split',
    ]);
  });
});
