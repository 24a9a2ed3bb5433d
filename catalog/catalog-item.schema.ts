/**
 * The format of one catalog item file (`catalog/items/<code>.yaml`): the single source of truth
 * for the TypeScript types and for the JSON Schema served by the API and committed under
 * `catalog/schemas/`.
 *
 * 第九条: the catalog names, per item, the providers, the category, the disclosure attribute,
 * the collection frequency, the usage permissions, the record period and the data format.
 */
import { z } from 'zod';

export const CATEGORIES = ['basic', 'good', 'bad'] as const;
export const DISCLOSURES = ['public', 'authorized', 'government'] as const;
export const FREQUENCIES = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'] as const;
export const USAGES = [
  'public_disclosure',
  'authorized_query',
  'government_sharing',
  'credit_report',
  'joint_reward',
  'joint_punishment',
] as const;
export const PUBLICATION_RULES = [
  'severe_dishonesty_5y',
  'key_attention_1y',
  'bad_min_3m',
  'penalty_by_severity',
  'permanent',
  'none',
] as const;
/**
 * 第二十一条: the lists a catalog item designates a subject onto. `red` 守信联合激励对象名单,
 * `black` 失信联合惩戒对象名单, `key_attention` 重点关注名单 (a warning short of joint punishment).
 * Items without it are ordinary records, not list memberships.
 */
export const LISTS = ['red', 'black', 'key_attention'] as const;
export const FIELD_TYPES = [
  'string',
  'text',
  'date',
  'decimal',
  'integer',
  'enum',
  'string_array',
  'subject_code',
  'uscc',
  'boolean',
] as const;

/** R13: the notification evidence every bad item carries, and its code list. */
export const NOTICE_FIELDS = ['notified_on', 'notice_method'] as const;
export const NOTICE_METHODS = ['written', 'public_notice', 'exempt_by_law'] as const;

/** Rules that only make sense for bad information (第二十八条), with their fixed period if any. */
const BAD_RULE_MONTHS: Readonly<Record<string, number | 'min3' | undefined>> = {
  severe_dishonesty_5y: 60,
  key_attention_1y: 12,
  bad_min_3m: 'min3',
  penalty_by_severity: 'min3',
};

const LIST_RULES: Readonly<
  Record<(typeof LISTS)[number], { category: (typeof CATEGORIES)[number]; usage?: (typeof USAGES)[number] }>
> = {
  red: { category: 'good', usage: 'joint_reward' },
  black: { category: 'bad', usage: 'joint_punishment' },
  key_attention: { category: 'bad' },
};

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const HAN = /\p{Script=Han}/u;

const snakeCase = z.string().regex(SNAKE_CASE, { message: 'must be snake_case (a-z, 0-9, single underscores)' });
const chinese = z.string().trim().min(1).regex(HAN, { message: 'must be written in Chinese' });

export const requiredWhenSchema = z
  .strictObject({
    field: snakeCase.optional().describe('the field the condition reads'),
    equals: z.string().min(1).optional().describe('required when `field` equals this code value'),
    includes: z.string().min(1).optional().describe('required when the string_array `field` contains this value'),
    categoryBad: z
      .literal(true)
      .optional()
      .describe('required because the item is bad information (R13 notification evidence)'),
  })
  .describe('Exactly one condition: {categoryBad: true}, {field, equals} or {field, includes}.');

export const catalogFieldSchema = z
  .strictObject({
    name: snakeCase.describe('canonical field name'),
    label: chinese.describe('标准字段名称'),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().describe('unconditionally required'),
    requiredWhen: requiredWhenSchema.optional(),
    maxLength: z.int().positive().optional().describe('for string and text fields'),
    codeList: z.array(z.string().min(1)).min(1).optional().describe('allowed values of enum and string_array fields'),
    personal: z.boolean().optional().describe('a personal identifier: masked in rejections and logs'),
    notes: z.string().optional(),
  })
  .superRefine((f, ctx) => {
    const rw = f.requiredWhen;
    if (rw) {
      const conditionCount = [rw.equals, rw.includes, rw.categoryBad].filter((c) => c !== undefined).length;
      if (conditionCount !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['requiredWhen'],
          message: 'give exactly one of equals, includes or categoryBad',
        });
      } else if (rw.categoryBad === undefined && rw.field === undefined) {
        ctx.addIssue({ code: 'custom', path: ['requiredWhen', 'field'], message: 'equals/includes need a field' });
      } else if (rw.categoryBad !== undefined && rw.field !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['requiredWhen', 'field'], message: 'categoryBad takes no field' });
      }
      if (f.required) {
        ctx.addIssue({
          code: 'custom',
          path: ['requiredWhen'],
          message: 'a field is either required or requiredWhen, not both',
        });
      }
      if (rw.field === f.name) {
        ctx.addIssue({ code: 'custom', path: ['requiredWhen', 'field'], message: 'a field cannot depend on itself' });
      }
    }
    if (f.type === 'enum' && f.codeList === undefined) {
      ctx.addIssue({ code: 'custom', path: ['codeList'], message: 'enum fields need a codeList' });
    }
    if (f.codeList !== undefined && f.type !== 'enum' && f.type !== 'string_array') {
      ctx.addIssue({ code: 'custom', path: ['codeList'], message: 'codeList is only for enum and string_array fields' });
    }
    if (f.codeList !== undefined && new Set(f.codeList).size !== f.codeList.length) {
      ctx.addIssue({ code: 'custom', path: ['codeList'], message: 'codeList values must be unique' });
    }
    if (f.maxLength !== undefined && f.type !== 'string' && f.type !== 'text') {
      ctx.addIssue({ code: 'custom', path: ['maxLength'], message: 'maxLength is only for string and text fields' });
    }
  });

export const catalogItemSchema = z
  .strictObject({
    code: snakeCase.describe('stable item code, also the file name'),
    name: chinese.describe('名称'),
    version: z.int().positive().describe('bump on every change; each record keeps the version it was validated against'),
    category: z.enum(CATEGORIES).describe('R8 信息分类: 基本信息 / 良好信息 / 失信信息'),
    disclosure: z.enum(DISCLOSURES).describe('R10 公开属性: 社会公开 / 授权查询 / 政务共享'),
    providers: z.array(chinese).min(1).describe('信息提供单位'),
    collection: z.strictObject({
      frequency: z.enum(FREQUENCIES).describe('归集频率'),
      deadlineWorkingDays: z.int().nonnegative().describe('working days after the decision by which it must arrive'),
    }),
    usage: z.array(z.enum(USAGES)).min(1).describe('使用权限'),
    publication: z
      .strictObject({
        rule: z.enum(PUBLICATION_RULES),
        months: z
          .int()
          .positive()
          .optional()
          .describe(
            'severe_dishonesty_5y: 60; key_attention_1y: 12; bad_min_3m and penalty_by_severity: the minimum (>= 3); absent for permanent/none',
          ),
        fromField: snakeCase.describe('the date field the period counts from'),
      })
      .describe('R28 公示期. permanent: served without end; none: never published to the public'),
    list: z
      .enum(LISTS)
      .optional()
      .describe('第二十一条 名单: red 守信联合激励 / black 失信联合惩戒 / key_attention 重点关注; absent for ordinary items'),
    subject: z.strictObject({
      codeField: z.literal('subject_code'),
      typeField: snakeCase.optional(),
      nameField: snakeCase,
    }),
    fields: z.array(catalogFieldSchema).min(1),
  })
  .superRefine((item, ctx) => {
    const byName = new Map<string, { index: number; field: (typeof item.fields)[number] }>();
    item.fields.forEach((field, index) => {
      if (byName.has(field.name)) {
        ctx.addIssue({ code: 'custom', path: ['fields', index, 'name'], message: `duplicate field "${field.name}"` });
      } else {
        byName.set(field.name, { index, field });
      }
    });
    const typeOf = (name: string): string | undefined => byName.get(name)?.field.type;

    const mustName = (path: (string | number)[], name: string | undefined, types: readonly string[]): void => {
      if (name === undefined) return;
      const type = typeOf(name);
      if (type === undefined) {
        ctx.addIssue({ code: 'custom', path, message: `names no field of the item: "${name}"` });
      } else if (!types.includes(type)) {
        ctx.addIssue({ code: 'custom', path, message: `field "${name}" has type ${type}, expected ${types.join('|')}` });
      }
    };

    mustName(['publication', 'fromField'], item.publication.fromField, ['date']);
    mustName(['subject', 'codeField'], item.subject.codeField, ['subject_code']);
    mustName(['subject', 'nameField'], item.subject.nameField, ['string']);
    mustName(['subject', 'typeField'], item.subject.typeField, ['enum']);

    item.fields.forEach((field, index) => {
      const rw = field.requiredWhen;
      if (rw === undefined) return;
      if (rw.categoryBad && item.category !== 'bad') {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', index, 'requiredWhen', 'categoryBad'],
          message: 'categoryBad can only hold in a bad item',
        });
      }
      if (rw.field === undefined) return;
      const target = byName.get(rw.field)?.field;
      const at = ['fields', index, 'requiredWhen', 'field'];
      if (target === undefined) {
        ctx.addIssue({ code: 'custom', path: at, message: `names no field of the item: "${rw.field}"` });
        return;
      }
      if (rw.equals !== undefined) {
        if (target.type === 'string_array') {
          ctx.addIssue({ code: 'custom', path: at, message: `"${rw.field}" is a string_array: use includes` });
        } else if (target.codeList && !target.codeList.includes(rw.equals)) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields', index, 'requiredWhen', 'equals'],
            message: `"${rw.equals}" is not in the codeList of "${rw.field}"`,
          });
        }
      }
      if (rw.includes !== undefined) {
        if (target.type !== 'string_array') {
          ctx.addIssue({ code: 'custom', path: at, message: `"${rw.field}" is not a string_array: use equals` });
        } else if (target.codeList && !target.codeList.includes(rw.includes)) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields', index, 'requiredWhen', 'includes'],
            message: `"${rw.includes}" is not in the codeList of "${rw.field}"`,
          });
        }
      }
    });

    // 第二十八条: bad information is published for a period (at least three months);
    // the period rules make no sense for basic or good information.
    const { rule, months } = item.publication;
    const badRule = BAD_RULE_MONTHS[rule];
    if (item.category === 'bad' && badRule === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['publication', 'rule'],
        message: `bad information needs a publication period rule, not "${rule}"`,
      });
    }
    if (item.category !== 'bad' && badRule !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['publication', 'rule'], message: `"${rule}" is for bad information only` });
    }
    if (months !== undefined) {
      if (badRule === undefined) {
        ctx.addIssue({ code: 'custom', path: ['publication', 'months'], message: `"${rule}" takes no months` });
      } else if (badRule === 'min3' ? months < 3 : months !== badRule) {
        ctx.addIssue({
          code: 'custom',
          path: ['publication', 'months'],
          message: badRule === 'min3' ? 'bad information is published at least 3 months' : `"${rule}" means ${badRule} months`,
        });
      }
    }

    // 第十三条: a bad record carries its notification evidence (date, method).
    if (item.category === 'bad') {
      const expected: Record<(typeof NOTICE_FIELDS)[number], string> = { notified_on: 'date', notice_method: 'enum' };
      for (const name of NOTICE_FIELDS) {
        const found = byName.get(name);
        if (found === undefined) {
          ctx.addIssue({ code: 'custom', path: ['fields'], message: `bad items need the field "${name}" (R13)` });
          continue;
        }
        const { field, index } = found;
        if (field.type !== expected[name]) {
          ctx.addIssue({ code: 'custom', path: ['fields', index, 'type'], message: `"${name}" must be ${expected[name]}` });
        }
        if (!field.required && field.requiredWhen?.categoryBad !== true) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields', index, 'required'],
            message: `"${name}" must be required (or requiredWhen: {categoryBad: true})`,
          });
        }
        if (name === 'notice_method' && field.codeList?.join('|') !== NOTICE_METHODS.join('|')) {
          ctx.addIssue({
            code: 'custom',
            path: ['fields', index, 'codeList'],
            message: `notice_method codeList must be ${NOTICE_METHODS.join('|')}`,
          });
        }
      }
    }

    // 第十条/第十六条/第十七条: what an item may be used for follows its disclosure attribute.
    const usageAllowed: Record<(typeof USAGES)[number], (i: typeof item) => boolean> = {
      public_disclosure: (i) => i.disclosure === 'public',
      authorized_query: (i) => i.disclosure !== 'government',
      government_sharing: () => true,
      credit_report: (i) => i.disclosure !== 'government',
      joint_reward: (i) => i.category === 'good',
      joint_punishment: (i) => i.category === 'bad',
    };
    item.usage.forEach((usage, index) => {
      if (!usageAllowed[usage](item)) {
        ctx.addIssue({
          code: 'custom',
          path: ['usage', index],
          message: `"${usage}" does not fit an item with category ${item.category} and disclosure ${item.disclosure}`,
        });
      }
    });
    if (new Set(item.usage).size !== item.usage.length) {
      ctx.addIssue({ code: 'custom', path: ['usage'], message: 'usage values must be unique' });
    }

    // 第二十一条: a red list rewards good conduct (joint reward), a black list punishes severe
    // dishonesty (joint punishment), and the key-attention list is a warning to subjects that do
    // not (yet) meet the joint-punishment standard, so it carries no joint punishment.
    if (item.list !== undefined) {
      const rule = LIST_RULES[item.list];
      if (item.category !== rule.category) {
        ctx.addIssue({ code: 'custom', path: ['list'], message: `a ${item.list} list item must have category ${rule.category}` });
      }
      if (rule.usage !== undefined && !item.usage.includes(rule.usage)) {
        ctx.addIssue({ code: 'custom', path: ['list'], message: `a ${item.list} list item needs usage "${rule.usage}"` });
      }
      if (item.list === 'key_attention' && item.usage.includes('joint_punishment')) {
        ctx.addIssue({
          code: 'custom',
          path: ['list'],
          message: 'a key_attention list item is short of joint punishment: no "joint_punishment" usage',
        });
      }
    }
  })
  .meta({ title: '公共信用信息目录项 (catalog item)' });

export type CatalogItem = z.infer<typeof catalogItemSchema>;
export type CatalogField = CatalogItem['fields'][number];
export type CatalogRequiredWhen = NonNullable<CatalogField['requiredWhen']>;
export type CatalogCategory = CatalogItem['category'];
export type CatalogDisclosure = CatalogItem['disclosure'];
export type CatalogUsage = CatalogItem['usage'][number];
export type PublicationRule = CatalogItem['publication']['rule'];
export type FieldType = CatalogField['type'];
export type CatalogList = NonNullable<CatalogItem['list']>;
