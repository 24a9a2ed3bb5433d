/**
 * The format of one mapping document (YAML or JSON), one per (supplier, catalog item): how a
 * supplier's own record (its column names, in any language) becomes the canonical record of a
 * catalog item. Single source of truth for the TypeScript type and for the JSON Schema committed
 * in `mappings/schemas/mapping.schema.json` and served to the console.
 *
 * The JSON Schema carries the shape; the cross-field rules below (`superRefine`) are only
 * enforced by `parseMappingDocument`, which the hub runs on every PUT and at start-up.
 */
import { z } from 'zod';
import { toHalfWidth } from '../libs/domain/identity';

/**
 * Date shapes a rule can accept. Each format also takes full-width digits; the separator forms
 * take an optional time of day (`2024-03-05 10:20:30`, `2024-03-05T10:20:30+08:00`).
 */
export const DATE_FORMATS = ['YYYYMMDD', 'YYYY-M-D', 'YYYY/M/D', 'YYYY.M.D', 'YYYY年M月D日', 'excel_serial'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];
/** `excel_serial` is opt-in: a stray small number (2024) would otherwise become a date in 1905. */
export const DEFAULT_DATE_FORMATS: readonly DateFormat[] = DATE_FORMATS.filter((f) => f !== 'excel_serial');

/** 元, or 万元 (the 双公示 standard's CF_NR_FK / CF_NR_WFFF unit, 10 000 元). */
export const AMOUNT_UNITS = ['元', '万元'] as const;
export type AmountUnit = (typeof AMOUNT_UNITS)[number];

/**
 * Recommended `as` labels for the subject code's source columns: the six 双公示 行政相对人代码
 * columns and, for persons, 证件号码 (credit-domain.md §3.1). The hub's subject resolution reads
 * them from `subject_code_source` (a 15-digit 工商注册号 and a legacy citizen ID look alike).
 */
export const SUBJECT_CODE_SOURCES = [
  'uscc', // 统一社会信用代码 (行政相对人代码_1)
  'business_registration_no', // 工商注册号 (_2)
  'organization_code', // 组织机构代码 (_3)
  'tax_registration_no', // 税务登记号 (_4)
  'institution_certificate_no', // 事业单位证书号 (_5)
  'social_organization_no', // 社会组织登记证号 (_6)
  'id_document_no', // 证件号码 (自然人)
] as const;

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

const canonicalName = z
  .string()
  .regex(SNAKE_CASE, { error: '规范字段名须为 snake_case（小写字母、数字、单个下划线）' });

const sourceName = z
  .string()
  .regex(/\S/, { error: '源字段名不能为空' })
  .describe('a field name of the supplier record, in any language (e.g. 行政相对人名称, CF_XDR_MC, partyName)');

const constValue = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.string())])
  .describe('a literal value: text, number, boolean or list of text');

const concatSchema = z
  .strictObject({
    from: z.array(sourceName).min(2, { error: '拼接至少需要两个源字段' }),
    separator: z.string().default('').describe('put between the non-empty parts'),
  })
  .describe('Joins several source fields (trimmed, empty ones skipped) with the separator.');

const firstOfEntrySchema = z.union([
  sourceName,
  z.strictObject({
    from: sourceName,
    as: canonicalName
      .optional()
      .describe(
        `recorded in <field>_source when this column supplies the value; for subject_code use one of ${SUBJECT_CODE_SOURCES.join(', ')}`,
      ),
  }),
]);

const textSchema = z
  .strictObject({
    trim: z.boolean().default(true).describe('remove leading and trailing whitespace (incl. U+3000, BOM)'),
    halfWidth: z.boolean().default(false).describe('fold full-width ASCII (ＡＢＣ１２３，（）) to half-width'),
    collapseSpaces: z.boolean().default(false).describe('turn every run of whitespace into one space'),
  })
  .describe('Text normalisation. Without this key text is trimmed only: Chinese punctuation in names and facts is kept.');

const splitSchema = z
  .strictObject({
    separator: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('one separator or a list of them'),
    part: z
      .int()
      .optional()
      .describe('take only this piece (0-based; negative counts from the end); without it the result is a list'),
  })
  .describe('Splits one source value into a list (trimmed, empty pieces dropped, duplicates removed) or takes one piece.');

const codesSchema = z
  .strictObject({
    table: z
      .record(z.string(), z.union([z.string().min(1), z.null()]))
      .describe('source value → canonical value; null means "no value". Keys match trimmed, half-width, ASCII case-insensitive'),
    otherwise: z.string().min(1).optional().describe('value for a source value the table does not list'),
    keepUnknown: z.boolean().default(false).describe('pass unlisted values through unchanged (e.g. to a date rule)'),
  })
  .describe('Code-list translation. An unlisted value is rejected with UNKNOWN_CODE_VALUE unless otherwise or keepUnknown.');

const dateSchema = z.union([
  z.literal(true),
  z.strictObject({
    formats: z
      .array(z.enum(DATE_FORMATS))
      .min(1)
      .optional()
      .describe(`accepted shapes; default ${DEFAULT_DATE_FORMATS.join(', ')}`),
  }),
]);

const amountSchema = z
  .strictObject({
    unit: z.enum(AMOUNT_UNITS).default('元').describe('unit of the source column; a 元/万元 suffix in the value wins'),
    decimals: z
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe('pad the result to this many decimals; a value with more is rejected, never rounded'),
  })
  .describe('A decimal string in 元, computed on the digits (never floats). 1.2345 万元 → 12345.');

const conditionSchema = z
  .strictObject({
    present: canonicalName.optional().describe('when this canonical field has a value'),
    absent: canonicalName.optional().describe('when this canonical field has no value'),
    field: canonicalName.optional().describe('with equals: when this canonical field equals a value'),
    equals: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  })
  .superRefine((c, ctx) => {
    const forms = [c.present, c.absent, c.field ?? c.equals].filter((v) => v !== undefined).length;
    if (forms !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: '条件须为 {present}、{absent} 或 {field, equals} 之一' });
    } else if ((c.field === undefined) !== (c.equals === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.field === undefined ? 'field' : 'equals'],
        message: 'field 与 equals 须同时给出',
      });
    }
  })
  .describe('Read on the canonical values before defaults are applied.');

const defaultSchema = z
  .strictObject({
    value: constValue,
    when: conditionSchema.optional(),
  })
  .describe('Used when the rule yields no value (and the condition, if any, holds).');

const TRANSFORMS = ['identifier', 'text', 'split', 'codes', 'date', 'amount'] as const;

export const fieldRuleObjectSchema = z
  .strictObject({
    from: sourceName.optional().describe('rename: the source field'),
    concat: concatSchema.optional(),
    firstOf: z
      .array(firstOfEntrySchema)
      .min(1)
      .optional()
      .describe('the first non-empty of these source fields, in order'),
    const: constValue.optional().describe('a constant, whatever the source says'),
    identifier: z
      .boolean()
      .optional()
      .describe(
        'an identifier column: spreadsheet damage (1.23E+17) is rejected, the code is normalised, and in firstOf the placeholders 00000000000000000X / 000000000000000000 are skipped',
      ),
    text: textSchema.optional(),
    split: splitSchema.optional(),
    codes: codesSchema.optional(),
    date: dateSchema.optional().describe('parse a date into YYYY-MM-DD; true = the default formats'),
    amount: amountSchema.optional(),
    default: defaultSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    const sources = (['from', 'concat', 'firstOf', 'const'] as const).filter((k) => rule[k] !== undefined);
    if (sources.length > 1) {
      ctx.addIssue({ code: 'custom', path: [sources[1] ?? ''], message: `只能有一个取值来源，已有 ${sources.join('、')}` });
    }
    if (sources.length === 0 && rule.default === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: '须给出 from、concat、firstOf、const 或 default 之一' });
    }
    if (rule.const !== undefined) {
      for (const key of [...TRANSFORMS, 'default'] as const) {
        if (rule[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: '常量不能再加转换或默认值' });
      }
    }
    if (rule.date !== undefined && rule.amount !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'date 与 amount 不能同时使用' });
    }
    if (rule.split !== undefined && rule.split.part === undefined) {
      for (const key of ['date', 'amount', 'identifier'] as const) {
        if (rule[key] !== undefined && rule[key] !== false) {
          ctx.addIssue({ code: 'custom', path: ['split', 'part'], message: `${key} 需要单个值：请给出 split.part` });
        }
      }
    }
    const codes = rule.codes;
    if (codes !== undefined) {
      if (codes.otherwise !== undefined && codes.keepUnknown) {
        ctx.addIssue({ code: 'custom', path: ['codes', 'keepUnknown'], message: 'otherwise 与 keepUnknown 只能选一个' });
      }
      if (Object.keys(codes.table).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['codes', 'table'], message: '代码表不能为空' });
      }
      const seen = new Map<string, string>();
      for (const key of Object.keys(codes.table)) {
        const folded = codeKey(key);
        const other = seen.get(folded);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['codes', 'table', key],
            message: `与「${other}」在去空格、全角转半角、忽略大小写后相同`,
          });
        } else seen.set(folded, key);
      }
    }
    if (rule.date !== undefined && rule.date !== true && rule.date.formats !== undefined) {
      const formats = rule.date.formats;
      formats.forEach((f, i) => {
        if (formats.indexOf(f) !== i) ctx.addIssue({ code: 'custom', path: ['date', 'formats', i], message: `重复的日期格式 ${f}` });
      });
    }
  })
  .describe('How one canonical field is computed: one source (from, concat, firstOf, const), then transforms in a fixed order.');

export const fieldRuleSchema = z.union([
  sourceName.describe('shorthand for {from: <name>}'),
  fieldRuleObjectSchema,
]);

export const mappingDocumentSchema = z
  .strictObject({
    $schema: z.string().optional().describe('editor hint; ignored'),
    item: canonicalName.describe('catalog item code, e.g. administrative_penalty'),
    description: z.string().optional(),
    keepUnmapped: z
      .boolean()
      .default(false)
      .describe('copy source fields no rule reads into the record under their own names'),
    ignoreSourceCase: z
      .boolean()
      .default(false)
      .describe('match source field names ASCII case-insensitively (cf_xdr_mc = CF_XDR_MC)'),
    fields: z.record(canonicalName, fieldRuleSchema).describe('canonical field name → rule'),
  })
  .superRefine((doc, ctx) => {
    const names = Object.keys(doc.fields);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['fields'], message: '至少需要一个字段' });
    for (const [name, rule] of Object.entries(doc.fields)) {
      if (typeof rule === 'string') continue;
      const when = rule.default?.when;
      const target = when?.present ?? when?.absent ?? when?.field;
      if (when !== undefined && target !== undefined) {
        const key = when.present !== undefined ? 'present' : when.absent !== undefined ? 'absent' : 'field';
        if (target === name) {
          ctx.addIssue({ code: 'custom', path: ['fields', name, 'default', 'when', key], message: '条件不能引用字段自身' });
        } else if (!names.includes(target)) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields', name, 'default', 'when', key],
            message: `条件引用的字段 ${target} 不在 fields 中`,
          });
        }
      }
      const recordsSource = rule.firstOf?.some((e) => typeof e !== 'string' && e.as !== undefined) ?? false;
      if (recordsSource && names.includes(`${name}_source`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', `${name}_source`],
          message: `${name}_source 由 ${name} 的 firstOf 自动写入，不能再单独映射`,
        });
      }
    }
  })
  .describe('One mapping document: a supplier record → the canonical record of one catalog item.');

export type MappingDocument = z.output<typeof mappingDocumentSchema>;
/** What an author writes: defaults (keepUnmapped, text.trim, …) may be left out. */
export type MappingDocumentInput = z.input<typeof mappingDocumentSchema>;
export type FieldRule = MappingDocument['fields'][string];
export type FieldRuleObject = z.output<typeof fieldRuleObjectSchema>;
export type CodeTable = z.output<typeof codesSchema>;
export type DefaultRule = z.output<typeof defaultSchema>;
export type Condition = z.output<typeof conditionSchema>;
export type ConstValue = z.output<typeof constValue>;

/**
 * How a code-table key is matched: trimmed, full-width folded, ASCII lower-cased. Shared by the
 * schema's duplicate check and the engine's lookup so the two can never disagree.
 */
export function codeKey(value: string): string {
  return toHalfWidth(value)
    .trim()
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** JSON Schema (draft 2020-12) of a mapping document, as an author writes it (defaults optional). */
export function mappingJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(mappingDocumentSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'urn:credit-hub:mapping',
    title: 'credit-hub mapping document',
  };
}
