import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { Catalog, CatalogError, defaultCatalogDir, loadCatalog } from './catalog';
import { catalogItemSchema, type CatalogField, type CatalogItem } from './catalog-item.schema';
import { catalogLock, defaultSchemasDir, generateCatalogSchemas, versionProblems, writeCatalogSchemas } from './generate-schemas';

/** API.md, "Catalog item codes (stable)". */
const API_ITEMS = [
  ['administrative_license', '行政许可', 'basic', 'public'],
  ['administrative_penalty', '行政处罚', 'bad', 'public'],
  ['severe_dishonesty_list', '严重失信主体名单', 'bad', 'public'],
  ['key_attention_list', '重点关注名单', 'bad', 'public'],
  ['commendation', '表彰奖励', 'good', 'public'],
  ['volunteer_service', '志愿服务', 'good', 'authorized'],
  ['tax_arrears', '欠税信息', 'bad', 'public'],
  ['wage_arrears', '拖欠工资', 'bad', 'government'],
  ['social_insurance_registration', '社保登记', 'basic', 'government'],
] as const;

type Requirement = 'yes' | 'no' | { field: string; equals: string } | { field: string; includes: string } | 'bad';

/** API.md, "Canonical fields: administrative_penalty": name, 标准字段, JSON type, required. */
const PENALTY_FIELDS: readonly [string, string, string, Requirement][] = [
  ['subject_name', '行政相对人名称', 'string', 'yes'],
  ['subject_type', '行政相对人类别', 'legal_person|natural_person|individual_business', 'yes'],
  ['subject_code', '统一社会信用代码 / 身份证号码', 'subject_code', 'yes'],
  ['legal_representative', '法定代表人', 'string', { field: 'subject_type', equals: 'legal_person' }],
  ['decision_no', '行政处罚决定书文号', 'string', 'yes'],
  ['violation_type', '违法行为类型', 'string', 'yes'],
  ['violation_facts', '违法事实', 'string', 'yes'],
  ['legal_basis', '处罚依据', 'string', 'yes'],
  ['penalty_categories', '处罚类别', 'string_array', 'yes'],
  ['penalty_content', '处罚内容', 'string', 'yes'],
  ['fine_amount', '罚款金额', 'decimal', { field: 'penalty_categories', includes: '罚款' }],
  ['confiscation_amount', '没收金额', 'decimal', 'no'],
  ['decision_date', '处罚决定日期', 'date', 'yes'],
  ['authority_name', '处罚机关', 'string', 'yes'],
  ['authority_code', '处罚机关统一社会信用代码', 'uscc', 'yes'],
  ['notified_on', '失信信息告知日期', 'date', 'bad'],
  ['notice_method', '告知方式', 'written|public_notice|exempt_by_law', 'bad'],
  ['remarks', '备注', 'string', 'no'],
];

/** How API.md writes a field's type, from the catalog's field type. */
function apiType(field: CatalogField): string {
  switch (field.type) {
    case 'text':
      return 'string';
    case 'enum':
      return (field.codeList ?? []).join('|');
    default:
      return field.type;
  }
}

function requirement(field: CatalogField): Requirement {
  if (field.required) return 'yes';
  const when = field.requiredWhen;
  if (when === undefined) return 'no';
  if (when.categoryBad) return 'bad';
  if (when.field !== undefined && when.equals !== undefined) return { field: when.field, equals: when.equals };
  if (when.field !== undefined && when.includes !== undefined) return { field: when.field, includes: when.includes };
  throw new Error(`unexpected requiredWhen of ${field.name}`);
}

function readPenaltyItem(): CatalogItem {
  const item = loadCatalog().find('administrative_penalty');
  if (item === undefined) throw new Error('administrative_penalty missing');
  return structuredClone(item);
}

/** Issues of the item schema for a modified copy of the penalty item. */
function issuesOf(change: (item: Record<string, unknown> & CatalogItem) => void): string[] {
  const item = readPenaltyItem() as Record<string, unknown> & CatalogItem;
  change(item);
  const result = catalogItemSchema.safeParse(item);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the catalog as shipped', () => {
  const catalog = loadCatalog();

  it('loads and validates every item file, at least twelve items', () => {
    const files = fs.readdirSync(defaultCatalogDir()).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    expect(catalog.all().map((i) => `${i.code}.yaml`)).toEqual([...files].sort());
  });

  it.each(API_ITEMS)('keeps API.md code %s (%s) with category %s and disclosure %s', (code, name, category, disclosure) => {
    expect(catalog.find(code)).toMatchObject({ code, name, category, disclosure });
  });

  it('gives administrative_penalty exactly the canonical fields of API.md, in order', () => {
    const fields = readPenaltyItem().fields;
    expect(fields.map((f) => [f.name, f.label, apiType(f), requirement(f)])).toEqual(PENALTY_FIELDS);
  });

  it('lists the 双公示 处罚类别 in the penalty code list', () => {
    const categories = readPenaltyItem().fields.find((f) => f.name === 'penalty_categories')?.codeList;
    expect(categories).toEqual(
      expect.arrayContaining([
        '警告',
        '罚款',
        '没收违法所得、没收非法财物',
        '责令停产停业',
        '暂扣或者吊销许可证、暂扣或者吊销执照',
        '行政拘留',
        '其他',
      ]),
    );
  });

  it('follows the 双公示 licence standard for administrative_license', () => {
    const license = catalog.find('administrative_license');
    const byName = new Map(license?.fields.map((f) => [f.name, f]));
    for (const name of ['license_document_no', 'license_document_name', 'license_content', 'decision_date']) {
      expect(byName.get(name)?.required).toBe(true);
    }
    expect(byName.get('license_category')?.codeList).toEqual(['普通', '特许', '认可', '核准', '登记', '其他']);
    expect(byName.get('legal_representative')?.requiredWhen).toEqual({ field: 'subject_type', equals: 'legal_person' });
  });

  it.each(catalog.all().map((i) => [i.code, i] as const))('names the subject of %s with the canonical fields', (_, item) => {
    expect(item.subject).toEqual({ codeField: 'subject_code', typeField: 'subject_type', nameField: 'subject_name' });
    expect(item.fields.find((f) => f.name === 'subject_code')?.personal).toBe(true);
  });

  it.each(catalog.all().filter((i) => i.category === 'bad').map((i) => [i.code, i] as const))(
    'makes bad item %s carry the R13 notification date and method',
    (_, item) => {
      const notice = item.fields.filter((f) => f.name === 'notified_on' || f.name === 'notice_method');
      expect(notice).toHaveLength(2);
      for (const field of notice) expect(field.required || field.requiredWhen?.categoryBad).toBe(true);
    },
  );

  it('publishes the lists for the periods of R28', () => {
    expect(catalog.find('severe_dishonesty_list')?.publication).toMatchObject({ rule: 'severe_dishonesty_5y', months: 60 });
    expect(catalog.find('key_attention_list')?.publication).toMatchObject({ rule: 'key_attention_1y', months: 12 });
    for (const item of catalog.all().filter((i) => i.category === 'bad')) {
      expect(item.publication.rule).not.toMatch(/^(permanent|none)$/);
    }
  });

  it('designates the lists of 第二十一条 on the list items, and on no other item', () => {
    const lists = Object.fromEntries(catalog.all().flatMap((i) => (i.list === undefined ? [] : [[i.code, i.list]])));
    expect(lists).toEqual({
      severe_dishonesty_list: 'black',
      dishonest_judgment_debtor: 'black',
      key_attention_list: 'key_attention',
      honesty_red_list: 'red',
    });
    expect(catalog.find('honesty_red_list')).toMatchObject({ category: 'good', disclosure: 'public', publication: { rule: 'permanent' } });
    expect(catalog.find('key_attention_list')?.fields.find((f) => f.name === 'sector')?.required).toBe(true);
  });

  it('hands out items that cannot be changed by their readers', () => {
    const item = catalog.find('administrative_penalty');
    expect(Object.isFrozen(item)).toBe(true);
    expect(Object.isFrozen(item?.fields[0])).toBe(true);
  });
});

describe('the item schema', () => {
  it('accepts the penalty item as shipped', () => {
    expect(issuesOf(() => undefined)).toEqual([]);
  });

  it('rejects unknown keys at every level', () => {
    const issues = issuesOf((item) => {
      item['retention'] = 'forever';
      Object.assign(item.collection, { timezone: 'UTC' });
      Object.assign(item.fields[0] ?? {}, { mandatory: true });
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^: .*retention/),
        expect.stringMatching(/^collection: .*timezone/),
        expect.stringMatching(/^fields\.0: .*mandatory/),
      ]),
    );
  });

  it('rejects references to fields the item does not have', () => {
    const issues = issuesOf((item) => {
      item.publication.fromField = 'published_on';
      item.subject.nameField = 'name';
      const fine = item.fields.find((f) => f.name === 'fine_amount');
      if (fine?.requiredWhen) fine.requiredWhen.field = 'penalty_kinds';
    });
    expect(issues).toEqual([
      expect.stringMatching(/^publication\.fromField: .*published_on/),
      expect.stringMatching(/^subject\.nameField: .*name/),
      expect.stringMatching(/^fields\.10\.requiredWhen\.field: .*penalty_kinds/),
    ]);
  });

  it('requires a code list on enum fields and a condition value from it', () => {
    const issues = issuesOf((item) => {
      const subjectType = item.fields.find((f) => f.name === 'subject_type');
      const fine = item.fields.find((f) => f.name === 'fine_amount');
      if (subjectType) delete subjectType.codeList;
      if (fine?.requiredWhen) fine.requiredWhen.includes = '罚金';
    });
    expect(issues).toEqual([
      expect.stringMatching(/^fields\.1\.codeList: enum fields need a codeList/),
      expect.stringMatching(/^fields\.10\.requiredWhen\.includes: .*罚金/),
    ]);
  });

  it('refuses bad information without a publication period or without R13 notice fields', () => {
    const issues = issuesOf((item) => {
      item.publication = { rule: 'permanent', fromField: 'decision_date' };
      item.fields = item.fields.filter((f) => f.name !== 'notified_on');
    });
    expect(issues).toEqual([
      expect.stringMatching(/^publication\.rule: bad information needs a publication period rule/),
      expect.stringMatching(/^fields: .*notified_on/),
    ]);
  });

  it('refuses a bad-information period shorter than three months (R28)', () => {
    const issues = issuesOf((item) => {
      item.publication = { rule: 'bad_min_3m', months: 2, fromField: 'decision_date' };
    });
    expect(issues).toEqual([expect.stringMatching(/^publication\.months: .*at least 3 months/)]);
  });

  it.each([
    ['red', 'bad', /^list: a red list item must have category good/],
    ['black', 'good', /^list: a black list item must have category bad/],
    ['key_attention', 'good', /^list: a key_attention list item must have category bad/],
  ] as const)('refuses a %s list on a %s item (第二十一条)', (list, category, message) => {
    const issues = issuesOf((item) => {
      item.list = list;
      if (category === 'good') {
        item.category = 'good';
        item.publication = { rule: 'permanent', fromField: 'decision_date' };
        item.fields = item.fields.filter((f) => f.name !== 'notified_on' && f.name !== 'notice_method');
      }
    });
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('requires joint punishment of a black list and refuses it on a key-attention list (第二十一条)', () => {
    expect(issuesOf((item) => void (item.list = 'black'))).toEqual([expect.stringMatching(/^list: .*needs usage "joint_punishment"/)]);
    expect(issuesOf((item) => void (item.list = 'key_attention'))).toEqual([]);
    expect(
      issuesOf((item) => {
        item.list = 'key_attention';
        item.usage = [...item.usage, 'joint_punishment'];
      }),
    ).toEqual([expect.stringMatching(/^list: a key_attention list item is short of joint punishment/)]);
  });

  it('refuses public disclosure of an item that is not public (R10)', () => {
    const issues = issuesOf((item) => {
      item.disclosure = 'government';
    });
    expect(issues).toEqual([
      expect.stringMatching(/^usage\.0: "public_disclosure" does not fit/),
      expect.stringMatching(/^usage\.2: "credit_report" does not fit/),
    ]);
  });
});

describe('loading a broken catalog directory', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-spec-'));
    const penalty = readPenaltyItem();
    fs.writeFileSync(path.join(dir, 'administrative_penalty.yaml'), stringify(penalty));
    fs.writeFileSync(path.join(dir, 'penalty_copy.yaml'), stringify(penalty));
    const broken = {
      ...penalty,
      code: 'broken_item',
      version: 0,
      colour: 'red',
      fields: penalty.fields.map((f) => (f.name === 'subject_type' ? { ...f, codeList: undefined } : f)),
    };
    fs.writeFileSync(path.join(dir, 'broken.yaml'), stringify(broken));
    fs.writeFileSync(path.join(dir, 'not_yaml.yaml'), 'code: [unclosed\n');
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function loadError(): CatalogError {
    try {
      loadCatalog(dir);
    } catch (error) {
      if (error instanceof CatalogError) return error;
      throw error;
    }
    throw new Error('loadCatalog accepted a broken directory');
  }

  it('throws one CatalogError listing every problem of every file, with file and path', () => {
    const error = loadError();
    expect(error.code).toBe('CATALOG_INVALID');
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { file: 'broken.yaml', path: '', message: expect.stringMatching(/colour/) },
        { file: 'broken.yaml', path: 'version', message: expect.any(String) },
        { file: 'broken.yaml', path: 'fields[1].codeList', message: expect.stringMatching(/subject_type/) },
        { file: 'broken.yaml', path: 'code', message: expect.stringMatching(/differs from the file name "broken"/) },
        { file: 'not_yaml.yaml', path: '', message: expect.stringMatching(/^YAML/) },
        { file: 'penalty_copy.yaml', path: 'code', message: expect.stringMatching(/differs from the file name/) },
        { file: 'penalty_copy.yaml', path: 'code', message: expect.stringMatching(/duplicate code .*administrative_penalty\.yaml/) },
      ]),
    );
    expect(error.problems.filter((p) => p.file === 'administrative_penalty.yaml')).toEqual([]);
    expect(error.message).toContain('broken.yaml fields[1].codeList');
  });
});

describe('JSON Schemas', () => {
  const catalog = loadCatalog();

  it('requires in the administrative_penalty record schema every unconditionally required field', () => {
    const schema = catalog.jsonSchemaOf('administrative_penalty');
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: true,
    });
    const alwaysRequired = PENALTY_FIELDS.filter(([, , , r]) => r === 'yes' || r === 'bad').map(([name]) => name);
    expect(schema['required']).toEqual(alwaysRequired);
  });

  it('turns conditional requirements into if/then and code lists into enums', () => {
    const schema = catalog.jsonSchemaOf('administrative_penalty');
    expect(schema['allOf']).toEqual([
      {
        if: { properties: { subject_type: { const: 'legal_person' } }, required: ['subject_type'] },
        then: { required: ['legal_representative'] },
      },
      {
        if: { properties: { penalty_categories: { type: 'array', contains: { const: '罚款' } } }, required: ['penalty_categories'] },
        then: { required: ['fine_amount'] },
      },
    ]);
    expect(schema['properties']).toMatchObject({
      decision_date: { type: 'string', format: 'date' },
      notice_method: { type: 'string', enum: ['written', 'public_notice', 'exempt_by_law'] },
      penalty_categories: { type: 'array', items: { type: 'string' } },
    });
  });

  it('answers UNKNOWN_ITEM for a code not in the catalog', () => {
    expect(() => catalog.jsonSchemaOf('no_such_item')).toThrow(expect.objectContaining({ code: 'UNKNOWN_ITEM' }));
  });

  it('describes the item file format as a strict JSON Schema', () => {
    expect(catalog.itemSchema()).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('has the committed schema files equal to what generate-schemas produces (run it after a catalog change)', () => {
    const expected = generateCatalogSchemas(catalog);
    const dir = defaultSchemasDir();
    const committed = new Map<string, string>([
      ['catalog-item.schema.json', fs.readFileSync(path.join(dir, 'catalog-item.schema.json'), 'utf8')],
      ['catalog.lock.json', fs.readFileSync(path.join(dir, 'catalog.lock.json'), 'utf8')],
      ...fs
        .readdirSync(path.join(dir, 'records'))
        .map((name): [string, string] => [`records/${name}`, fs.readFileSync(path.join(dir, 'records', name), 'utf8')]),
    ]);
    expect(committed).toEqual(expected);
  });
});

describe('versioning (R9: every change bumps the version)', () => {
  const catalog = loadCatalog();
  const penalty = readPenaltyItem();
  const changed = (version: number): Catalog =>
    new Catalog([{ ...penalty, version, fields: penalty.fields.filter((f) => f.name !== 'remarks') }]);

  it('accepts an unchanged item and a changed item with a higher version', () => {
    expect(versionProblems(catalogLock(catalog), catalog)).toEqual([]);
    expect(versionProblems(catalogLock(catalog), changed(penalty.version + 1))).toEqual([]);
  });

  it('refuses an item changed without a version bump, or whose version went down', () => {
    expect(versionProblems(catalogLock(catalog), changed(penalty.version))).toEqual([
      { file: 'administrative_penalty.yaml', path: 'version', message: expect.stringMatching(/bump version/) },
    ]);
    const lockOfV2 = catalogLock(changed(penalty.version + 1));
    expect(versionProblems(lockOfV2, catalog)).toEqual([
      { file: 'administrative_penalty.yaml', path: 'version', message: expect.stringMatching(/went down/) },
    ]);
  });

  it('will not regenerate the schemas over a change without a version bump', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-schemas-'));
    try {
      writeCatalogSchemas(dir, catalog);
      expect(() => writeCatalogSchemas(dir, changed(penalty.version))).toThrow(CatalogError);
      expect(writeCatalogSchemas(dir, changed(penalty.version + 1))).toContain(path.join(dir, 'catalog.lock.json'));
      expect(fs.readdirSync(path.join(dir, 'records'))).toEqual(['administrative_penalty.schema.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Catalog', () => {
  it('refuses two items with the same code', () => {
    const penalty = readPenaltyItem();
    expect(() => new Catalog([penalty, penalty])).toThrow(CatalogError);
  });
});
