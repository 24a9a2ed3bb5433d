/**
 * Reads mapping documents and applies them to supplier records. Pure: no I/O, no clock.
 *
 * A rule computes one canonical field in a fixed order (the order a reader expects):
 *   source (from | concat | firstOf | const) → identifier → text → split → codes → date | amount
 * and, when that yields nothing, its default. Every failing field is reported, not only the first.
 */
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import type { CatalogItem } from '../catalog/catalog-item.schema';
import {
  chinaCalendarDate,
  detectSpreadsheetDamage,
  maskIdentifier,
  normalizeIdentifier,
  PLACEHOLDER_SUBJECT_CODES,
} from '../libs/domain/identity';
import type { RejectionCode } from '../libs/domain/rejections/rejection-codes';
import {
  DEFAULT_DATE_FORMATS,
  mappingDocumentSchema,
  type Condition,
  type ConstValue,
  type FieldRule,
  type FieldRuleObject,
  type MappingDocument,
} from './mapping.schema';
import { CodeLookup, DEFAULT_TEXT, normalizeText, parseAmount, parseDate, pickPart, splitText } from './transforms';

export type MappingRejectionCode = Extract<
  RejectionCode,
  | 'MAPPING_ERROR'
  | 'INVALID_DATE'
  | 'INVALID_FORMAT'
  | 'UNKNOWN_CODE_VALUE'
  | 'SPREADSHEET_DAMAGE'
  | 'INVALID_TEXT'
  | 'RECORD_TOO_LARGE'
  | 'ENCODING_MISMATCH'
>;

/** `field` is the canonical field name; `value` is what the supplier sent (identifiers masked). */
export interface MappingRejection {
  field: string;
  code: MappingRejectionCode;
  value?: string;
}

export type MappingResult =
  | {
      ok: true;
      record: Record<string, unknown>;
      /** every source field name present in the input, mapped or not (R15 reads these) */
      sourceFields: string[];
      /** the `as` of the firstOf column that supplied subject_code */
      subjectCodeSource?: string;
    }
  | { ok: false; rejections: MappingRejection[]; sourceFields: string[] };

export interface MappingProblem {
  /** where in the document, e.g. `fields.decision_date.date.formats[0]`; empty for the whole document */
  path: string;
  message: string;
}

export type ParseMappingResult = { ok: true; mapping: MappingDocument } | { ok: false; problems: MappingProblem[] };

/** The canonical field whose firstOf source becomes `MappingResult.subjectCodeSource` (every catalog item's subject.codeField). */
export const SUBJECT_CODE_FIELD = 'subject_code';
/** The record's own key (API.md, supplier ingest): carried over unless a rule produces it. */
export const SOURCE_KEY_FIELD = 'source_key';
const REJECTION_VALUE_MAX = 200;

// ================================================================ parsing

/** Validates a mapping document (already parsed from JSON or YAML); every problem has its path. */
export function parseMappingDocument(input: unknown): ParseMappingResult {
  const result = mappingDocumentSchema.safeParse(input, { error: z.locales.zhCN().localeError });
  if (result.success) return { ok: true, mapping: result.data };
  const problems = result.error.issues.flatMap((issue) => issueProblems(issue, []));
  return { ok: false, problems: dedupe(problems) };
}

/**
 * Parses YAML text, then validates it. Plain map keys are read as written, so a code table key
 * `01:` stays "01" instead of becoming the number 1 (YAML 1.2 would read it as an integer).
 */
export function parseMappingYaml(text: string): ParseMappingResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: sameKeyAsWritten });
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => ({ path: '', message: `YAML: ${e.message}` })) };
  }
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && typeof pair.key.value !== 'string' && pair.key.source !== undefined) {
        pair.key.value = pair.key.source;
      }
    },
  });
  return parseMappingDocument(doc.toJS());
}

/** Keys are compared as written: `01` and `1` are two different codes, not a duplicate. */
function sameKeyAsWritten(a: unknown, b: unknown): boolean {
  if (isScalar(a) && isScalar(b)) return (a.source ?? String(a.value)) === (b.source ?? String(b.value));
  return a === b;
}

function issueProblems(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): MappingProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union') {
    // A rule is "a column name or a rule object": report the branch that matches the value's
    // type, not "invalid input" for the union as a whole.
    const relevant = issue.errors.filter((branch) => !isTopLevelTypeMismatch(branch));
    if (relevant.length === 1) return (relevant[0] ?? []).flatMap((inner) => issueProblems(inner, path));
    const expected = issue.errors.flatMap((branch) =>
      branch.flatMap((i) => (i.code === 'invalid_type' ? [i.expected] : i.code === 'invalid_value' ? i.values.map((v) => JSON.stringify(v)) : [])),
    );
    return [{ path: formatPath(path), message: `类型不符：应为 ${[...new Set(expected)].join(' 或 ')}` }];
  }
  if (issue.code === 'invalid_key') {
    return [{ path: formatPath(path), message: issue.issues.map((i) => i.message).join('；') }];
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: `未知的键「${key}」` }));
  }
  return [{ path: formatPath(path), message: issue.message }];
}

function isTopLevelTypeMismatch(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.length === 1 && branch[0]?.path.length === 0 && (branch[0].code === 'invalid_type' || branch[0].code === 'invalid_value');
}

function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`))
    .join('');
}

function dedupe(problems: MappingProblem[]): MappingProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ================================================================ catalog check

/**
 * Problems of a valid document against the catalog item it targets: unknown canonical fields,
 * code-table values outside the item's code list, transforms that cannot produce the field's
 * type. Run at registration (PUT) and on the built-in mappings; `applyMapping` does not need it.
 */
export function checkMappingAgainstCatalog(mapping: MappingDocument, item: CatalogItem): MappingProblem[] {
  const problems: MappingProblem[] = [];
  if (mapping.item !== item.code) {
    problems.push({ path: 'item', message: `映射目标为 ${mapping.item}，目录项为 ${item.code}` });
  }
  const byName = new Map(item.fields.map((f) => [f.name, f]));
  for (const [name, raw] of Object.entries(mapping.fields)) {
    if (name === SOURCE_KEY_FIELD) continue;
    const field = byName.get(name);
    if (field === undefined) {
      problems.push({ path: `fields.${name}`, message: `目录项 ${item.code} 没有字段 ${name}` });
      continue;
    }
    const rule = ruleObject(raw);
    const at = (...rest: (string | number)[]): string => formatPath(['fields', name, ...rest]);
    const codeList = field.codeList;
    if (codeList !== undefined) {
      const allowed = (v: unknown): boolean =>
        v === null || (typeof v === 'string' ? codeList.includes(v) : Array.isArray(v) && v.every((x) => codeList.includes(String(x))));
      const mismatch = (v: unknown): string => `${JSON.stringify(v)} 不在 ${name} 的代码表中（${codeList.join('、')}）`;
      if (rule.codes !== undefined && !rule.codes.keepUnknown) {
        for (const [key, value] of Object.entries(rule.codes.table)) {
          if (!allowed(value)) problems.push({ path: at('codes', 'table', key), message: mismatch(value) });
        }
        if (rule.codes.otherwise !== undefined && !allowed(rule.codes.otherwise)) {
          problems.push({ path: at('codes', 'otherwise'), message: mismatch(rule.codes.otherwise) });
        }
      }
      if (rule.const !== undefined && !allowed(rule.const)) problems.push({ path: at('const'), message: mismatch(rule.const) });
      if (rule.default !== undefined && !allowed(rule.default.value)) {
        problems.push({ path: at('default', 'value'), message: mismatch(rule.default.value) });
      }
    }
    if (rule.date !== undefined && field.type !== 'date') {
      problems.push({ path: at('date'), message: `${name} 的类型是 ${field.type}，不是 date` });
    }
    if (rule.amount !== undefined && field.type !== 'decimal') {
      problems.push({ path: at('amount'), message: `${name} 的类型是 ${field.type}，不是 decimal` });
    }
    if (rule.split !== undefined && rule.split.part === undefined && field.type !== 'string_array') {
      problems.push({ path: at('split'), message: `split 产生列表，但 ${name} 的类型是 ${field.type}；请给出 split.part` });
    }
  }
  return problems;
}

// ================================================================ applying

type Scalar = string;
type Value = Scalar | Scalar[];
/** undefined = the rule yields no value (the catalog decides whether that is allowed). */
type Step = { ok: true; value: Value | ConstValue | undefined; source?: string } | { ok: false; code: MappingRejectionCode; value?: string };

/** Source field lookup, tolerant of what exports do to header names (BOM, surrounding blanks). */
class SourceRecord {
  private readonly byName = new Map<string, string>();

  constructor(
    readonly raw: Record<string, unknown>,
    private readonly ignoreCase: boolean,
  ) {
    for (const key of Object.keys(raw)) {
      const name = this.keyOf(key);
      if (!this.byName.has(name)) this.byName.set(name, key);
    }
  }

  keyOf(name: string): string {
    const trimmed = name.replace(/^\ufeff/, '').trim();
    return this.ignoreCase ? trimmed.replace(/[A-Z]/g, (c) => c.toLowerCase()) : trimmed;
  }

  get(name: string): unknown {
    const key = this.byName.get(this.keyOf(name));
    return key === undefined ? undefined : this.raw[key];
  }
}

/** Applies a (valid) mapping to one supplier record. */
export function applyMapping(mapping: MappingDocument, source: Record<string, unknown>): MappingResult {
  const sourceFields = Object.keys(source);
  const input = new SourceRecord(source, mapping.ignoreSourceCase);
  const rejections: MappingRejection[] = [];
  const values = new Map<string, { value: Value | ConstValue; source?: string }>();
  const failed = new Set<string>();

  for (const [name, raw] of Object.entries(mapping.fields)) {
    const step = evaluateRule(ruleObject(raw), input);
    if (!step.ok) {
      failed.add(name);
      rejections.push(step.value === undefined ? { field: name, code: step.code } : { field: name, code: step.code, value: step.value });
    } else if (step.value !== undefined) {
      values.set(name, { value: step.value, ...(step.source !== undefined ? { source: step.source } : {}) });
    }
  }
  if (rejections.length > 0) return { ok: false, rejections, sourceFields };

  // Defaults read the values as mapped, before any default: the result does not depend on the
  // order of the fields in the document.
  const mapped = new Map(values);
  for (const [name, raw] of Object.entries(mapping.fields)) {
    const rule = ruleObject(raw);
    if (rule.default === undefined || values.has(name) || failed.has(name)) continue;
    if (rule.default.when === undefined || holds(rule.default.when, mapped)) values.set(name, { value: rule.default.value });
  }

  const record: Record<string, unknown> = {};
  for (const name of Object.keys(mapping.fields)) {
    const entry = values.get(name);
    if (entry === undefined) continue;
    record[name] = entry.value;
    if (entry.source !== undefined) record[`${name}_source`] = entry.source;
  }
  if (!Object.hasOwn(record, SOURCE_KEY_FIELD)) {
    const key = input.get(SOURCE_KEY_FIELD);
    if (key !== undefined && key !== null && key !== '') record[SOURCE_KEY_FIELD] = key;
  }
  if (mapping.keepUnmapped) {
    const read = new Set(Object.values(mapping.fields).flatMap((rule) => sourcesOf(ruleObject(rule)).map((n) => input.keyOf(n))));
    for (const key of sourceFields) {
      // defineProperty: a supplier key "__proto__" must stay data, not reach the prototype.
      if (!read.has(input.keyOf(key)) && !Object.hasOwn(record, key)) {
        Object.defineProperty(record, key, { value: source[key], enumerable: true, writable: true, configurable: true });
      }
    }
  }
  const subjectCodeSource = values.get(SUBJECT_CODE_FIELD)?.source;
  return subjectCodeSource === undefined
    ? { ok: true, record, sourceFields }
    : { ok: true, record, sourceFields, subjectCodeSource };
}

/** The object form of a rule: a bare string is `{from: <string>}`. */
export function ruleObject(rule: FieldRule): FieldRuleObject {
  return typeof rule === 'string' ? { from: rule } : rule;
}

function sourcesOf(rule: FieldRuleObject): string[] {
  if (rule.from !== undefined) return [rule.from];
  if (rule.concat !== undefined) return rule.concat.from;
  if (rule.firstOf !== undefined) return rule.firstOf.map((e) => (typeof e === 'string' ? e : e.from));
  return [];
}

function holds(condition: Condition, values: ReadonlyMap<string, { value: unknown }>): boolean {
  if (condition.present !== undefined) return values.has(condition.present);
  if (condition.absent !== undefined) return !values.has(condition.absent);
  if (condition.field === undefined || condition.equals === undefined) return false;
  const value = values.get(condition.field)?.value;
  if (typeof value !== 'string') return false;
  return typeof condition.equals === 'string' ? value === condition.equals : condition.equals.includes(value);
}

function evaluateRule(rule: FieldRuleObject, input: SourceRecord): Step {
  if (rule.const !== undefined) return { ok: true, value: rule.const };
  const identifier = rule.identifier === true;

  // 1. source
  let picked: { raw: unknown; source?: string };
  if (rule.from !== undefined) {
    picked = { raw: input.get(rule.from) };
  } else if (rule.concat !== undefined) {
    const parts: string[] = [];
    for (const name of rule.concat.from) {
      const part = toValue(input.get(name), false);
      if (!part.ok) return part;
      if (Array.isArray(part.value)) return { ok: false, code: 'MAPPING_ERROR', value: shown(part.value, identifier) };
      if (part.value !== undefined) parts.push(part.value.trim());
    }
    picked = { raw: parts.filter((p) => p !== '').join(rule.concat.separator ?? '') };
  } else if (rule.firstOf !== undefined) {
    const chosen = firstNonEmpty(rule.firstOf, input, identifier);
    if (!chosen.ok) return chosen;
    picked = chosen.picked;
  } else {
    picked = { raw: undefined };
  }
  const converted = toValue(picked.raw, rule.date !== undefined);
  if (!converted.ok) return converted;
  let value: Value | undefined = converted.value;
  if (value === undefined) return { ok: true, value: undefined };
  const rawShown = shown(value, identifier);
  const reject = (code: MappingRejectionCode): Step => ({ ok: false, code, value: rawShown });

  // 2. identifier: never "repair" a code a spreadsheet rewrote (credit-domain.md §1.5).
  if (identifier) {
    if (Array.isArray(value)) return reject('MAPPING_ERROR');
    // A JSON number beyond 2^53 already lost digits (913502000000200281 arrives as …200300).
    if (typeof picked.raw === 'number' && !Number.isSafeInteger(picked.raw)) return reject('SPREADSHEET_DAMAGE');
    if (detectSpreadsheetDamage(value)) return reject('SPREADSHEET_DAMAGE');
    value = normalizeIdentifier(value);
  }

  // 3. text
  // Merged with the defaults so that a document that skipped parsing (a stored raw body) still trims.
  const text = { ...DEFAULT_TEXT, ...rule.text };
  value = mapValue(value, (s) => normalizeText(s, text));
  if (value === undefined) return { ok: true, value: undefined };

  // 4. split; a piece that is a code-table key is not cut further (没收违法所得、没收非法财物).
  const codes = rule.codes === undefined ? undefined : new CodeLookup(rule.codes);
  if (rule.split !== undefined) {
    const { separator, part } = rule.split;
    const keep = (piece: string): boolean => codes?.has(piece) ?? false;
    const pieces = (Array.isArray(value) ? value : [value]).flatMap((s) => splitText(s, separator, keep));
    value = part === undefined ? pieces : pickPart(pieces, part);
    if (value === undefined) return { ok: true, value: undefined };
  }

  // 5. codes
  if (codes !== undefined) {
    const list = Array.isArray(value) ? value : [value];
    const translated: string[] = [];
    for (const s of list) {
      const t = codes.translate(s);
      if (!t.ok) return Array.isArray(value) ? { ok: false, code: t.code, value: shown(s, identifier) } : reject(t.code);
      if (t.value !== null) translated.push(t.value);
    }
    value = Array.isArray(value) ? translated : translated[0];
  }

  // 6. date | amount
  if (value !== undefined && (rule.date !== undefined || rule.amount !== undefined)) {
    if (Array.isArray(value)) return reject('MAPPING_ERROR');
    const parsed =
      rule.date !== undefined
        ? parseDate(value, rule.date === true ? DEFAULT_DATE_FORMATS : (rule.date.formats ?? DEFAULT_DATE_FORMATS))
        : parseAmount(value, rule.amount?.unit, rule.amount?.decimals);
    if (!parsed.ok) return reject(parsed.code);
    value = parsed.value;
  }

  if (Array.isArray(value)) value = [...new Set(value.filter((s) => s !== ''))];
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return { ok: true, value: undefined };
  return picked.source === undefined ? { ok: true, value } : { ok: true, value, source: picked.source };
}

type Picked = { ok: true; picked: { raw: unknown; source?: string } } | Extract<Step, { ok: false }>;

/**
 * The first column with a value. For identifiers the 双公示 placeholders (00000000000000000X: a
 * 个体工商户 without a USCC, whose 工商注册号 column then carries the code) count as empty; when
 * every column is empty or a placeholder, the first placeholder is returned so that validation
 * says SUBJECT_UNRESOLVED rather than "missing".
 */
function firstNonEmpty(entries: NonNullable<FieldRuleObject['firstOf']>, input: SourceRecord, identifier: boolean): Picked {
  let placeholder: { raw: unknown; source?: string } | undefined;
  for (const entry of entries) {
    const name = typeof entry === 'string' ? entry : entry.from;
    const as = typeof entry === 'string' ? undefined : entry.as;
    const raw = input.get(name);
    const converted = toValue(raw, false);
    if (!converted.ok) return converted;
    const value = converted.value;
    if (value === undefined) continue;
    const candidate = as === undefined ? { raw } : { raw, source: as };
    if (identifier && typeof value === 'string' && PLACEHOLDER_SUBJECT_CODES.has(normalizeIdentifier(value))) {
      placeholder ??= candidate;
      continue;
    }
    return { ok: true, picked: candidate };
  }
  return { ok: true, picked: placeholder ?? { raw: undefined } };
}

type Converted = { ok: true; value: Value | undefined } | { ok: false; code: 'MAPPING_ERROR'; value: string };

/**
 * A source value as text. Numbers, booleans and bigints become their decimal text; a Date (a
 * database driver's DATE/TIMESTAMP) becomes its China calendar date for date rules; blank text,
 * null and empty lists mean "no value". Objects and nested lists cannot be mapped.
 */
function toValue(raw: unknown, forDate: boolean): Converted {
  if (raw === undefined || raw === null) return { ok: true, value: undefined };
  if (Array.isArray(raw)) {
    const items: string[] = [];
    for (const element of raw as unknown[]) {
      const scalar = scalarText(element, forDate);
      if (scalar === false) return { ok: false, code: 'MAPPING_ERROR', value: shown(JSON.stringify(raw), false) };
      if (scalar !== undefined && scalar.trim() !== '') items.push(scalar);
    }
    return { ok: true, value: items.length === 0 ? undefined : items };
  }
  const scalar = scalarText(raw, forDate);
  if (scalar === false) return { ok: false, code: 'MAPPING_ERROR', value: shown(safeJson(raw), false) };
  return { ok: true, value: scalar === undefined || scalar.trim() === '' ? undefined : scalar };
}

/** false = cannot be mapped (object, function, invalid date, non-finite number). */
function scalarText(raw: unknown, forDate: boolean): string | undefined | false {
  switch (typeof raw) {
    case 'string':
      return raw;
    case 'number':
      return Number.isFinite(raw) ? String(raw) : false;
    case 'bigint':
      return raw.toString();
    case 'boolean':
      return String(raw);
    case 'undefined':
      return undefined;
    case 'object':
      if (raw === null) return undefined;
      if (raw instanceof Date) {
        if (Number.isNaN(raw.getTime())) return false;
        return forDate ? chinaCalendarDate(raw) : raw.toISOString();
      }
      return false;
    default:
      return false;
  }
}

function mapValue(value: Value, fn: (s: string) => string): Value | undefined {
  if (Array.isArray(value)) {
    const out = value.map(fn).filter((s) => s !== '');
    return out.length === 0 ? undefined : out;
  }
  const out = fn(value);
  return out === '' ? undefined : out;
}

function safeJson(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

/**
 * The value echoed in a rejection: control characters replaced (they break CSV feedback files),
 * clipped, and masked when it is an identifier (Rejection.value is masked when personal).
 */
function shown(value: Value, identifier: boolean): string {
  const text = (Array.isArray(value) ? JSON.stringify(value) : value)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f]/g, '\ufffd');
  const clipped = text.length > REJECTION_VALUE_MAX ? `${text.slice(0, REJECTION_VALUE_MAX)}…` : text;
  return identifier ? maskIdentifier(clipped.trim()) : clipped;
}
