import type { CatalogField, CatalogItem } from '../../../catalog/catalog-item.schema';
import { checkCitizenId, checkUscc, classifySubjectCode, maskIdentifier, normalizeIdentifier } from '../identity';
import { chinaCalendarDate, isCalendarDate } from '../identity/citizen-id';
import { Rejection, RejectionCode } from '../rejections/rejection-codes';
// Dates that record something that has already happened: a future value is a typing error.
import { EVENT_DATE_FIELDS } from '../rules/date-plausibility';

export type SubjectKind = 'organization' | 'person';

export type RecordVerdict =
  | {
      readonly ok: true;
      readonly fields: Record<string, unknown>;
      readonly subject: { readonly code: string; readonly kind: SubjectKind; readonly name: string | null };
    }
  | { readonly ok: false; readonly rejections: Rejection[] };

const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;
const ARRAY_SEPARATORS = /[;；,，|]/;

/**
 * Checks one record, already in canonical field names, against its catalog item (第九条) and
 * the identity rules (第六条). Every problem is reported, not only the first, so a supplier
 * fixes a record in one round. Fields the catalog does not know are not stored.
 */
export function validateRecord(raw: Record<string, unknown>, item: CatalogItem, today: Date): RecordVerdict {
  const rejections: Rejection[] = [];
  const fields: Record<string, unknown> = {};
  const present = new Map<string, unknown>();
  for (const field of item.fields) {
    const value = blankToUndefined(raw[field.name]);
    if (value !== undefined) present.set(field.name, value);
  }

  for (const field of item.fields) {
    const value = present.get(field.name);
    if (value === undefined) {
      const missing = missingRequirement(field, item, present);
      if (missing) rejections.push({ field: field.name, code: missing });
      continue;
    }
    const checked = checkField(field, value, today);
    if ('code' in checked) rejections.push({ field: field.name, code: checked.code, value: shown(field, value) });
    else fields[field.name] = checked.value;
  }

  const subject = resolveSubject(item, present, today);
  if (!subject.ok) {
    if (!rejections.some((r) => r.field === item.subject.codeField)) {
      rejections.push({ field: item.subject.codeField, code: subject.code, value: subject.value });
    }
    return { ok: false, rejections };
  }
  fields[item.subject.codeField] = subject.code;
  if (rejections.length > 0) return { ok: false, rejections };
  const name = fields[item.subject.nameField];
  return { ok: true, fields, subject: { code: subject.code, kind: subject.kind, name: typeof name === 'string' ? name : null } };
}

function missingRequirement(field: CatalogField, item: CatalogItem, present: Map<string, unknown>): RejectionCode | undefined {
  if (field.required) return 'REQUIRED_FIELD';
  const when = field.requiredWhen;
  if (!when) return undefined;
  // 第十三条: bad information without notice evidence is sent back with its own code.
  if (when.categoryBad) return item.category === 'bad' ? 'NOTICE_MISSING' : undefined;
  const other = when.field === undefined ? undefined : present.get(when.field);
  if (when.equals !== undefined && other === when.equals) return 'REQUIRED_FIELD';
  if (when.includes !== undefined && toList(other).includes(when.includes)) return 'REQUIRED_FIELD';
  return undefined;
}

type FieldCheck = { value: unknown } | { code: RejectionCode };

function checkField(field: CatalogField, value: unknown, today: Date): FieldCheck {
  if (typeof value === 'string' && value.includes('\u0000')) return { code: 'INVALID_FORMAT' };
  switch (field.type) {
    case 'string':
    case 'text': {
      if (typeof value !== 'string' && typeof value !== 'number') return { code: 'INVALID_FORMAT' };
      const text = String(value).trim();
      if (field.maxLength !== undefined && [...text].length > field.maxLength) return { code: 'INVALID_FORMAT' };
      return { value: text };
    }
    case 'date': {
      const text = String(value).trim();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !isCalendarDate(text.replace(/-/g, ''))) return { code: 'INVALID_DATE' };
      if (EVENT_DATE_FIELDS.has(field.name) && text > chinaCalendarDate(today)) return { code: 'FUTURE_DATE' };
      return { value: text };
    }
    case 'decimal': {
      // Money stays a decimal string: a float would round 0.1 + 0.2.
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : String(value).trim();
      return DECIMAL.test(text) ? { value: text } : { code: 'INVALID_FORMAT' };
    }
    case 'integer': {
      const text = String(value).trim();
      return INTEGER.test(text) ? { value: Number(text) } : { code: 'INVALID_FORMAT' };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      const text = String(value).trim().toLowerCase();
      if (['true', '1', '是'].includes(text)) return { value: true };
      if (['false', '0', '否'].includes(text)) return { value: false };
      return { code: 'INVALID_FORMAT' };
    }
    case 'enum': {
      const text = String(value).trim();
      return field.codeList?.includes(text) ? { value: text } : { code: 'UNKNOWN_CODE_VALUE' };
    }
    case 'string_array': {
      const list = toList(value);
      if (list.length === 0) return { code: 'INVALID_FORMAT' };
      if (field.codeList && list.some((v) => !field.codeList?.includes(v))) return { code: 'UNKNOWN_CODE_VALUE' };
      return { value: list };
    }
    case 'uscc': {
      const check = checkUscc(String(value));
      return check.ok ? { value: check.code } : { code: check.code };
    }
    case 'subject_code':
      // Checked with the subject type in resolveSubject; only normalised here.
      return { value: normalizeIdentifier(String(value)) };
  }
}

function resolveSubject(
  item: CatalogItem,
  present: Map<string, unknown>,
  today: Date,
): { ok: true; code: string; kind: SubjectKind } | { ok: false; code: RejectionCode; value?: string } {
  const raw = present.get(item.subject.codeField);
  if (raw === undefined) return { ok: false, code: 'REQUIRED_FIELD' };
  const text = String(raw);
  const subjectType = item.subject.typeField ? present.get(item.subject.typeField) : undefined;
  // An identifier the registry could not resolve (legacy code, placeholder) says so, whatever the type.
  const unresolved = classifySubjectCode(text, today);
  if (!unresolved.ok && unresolved.code === 'SUBJECT_UNRESOLVED') return { ok: false, code: 'SUBJECT_UNRESOLVED', value: masked(text) };
  if (subjectType === 'natural_person') {
    const check = checkCitizenId(text, today);
    return check.ok ? { ok: true, code: check.code, kind: 'person' } : { ok: false, code: check.code, value: masked(text) };
  }
  if (subjectType === 'legal_person') {
    const check = checkUscc(text);
    return check.ok ? { ok: true, code: check.code, kind: 'organization' } : { ok: false, code: check.code, value: masked(text) };
  }
  const check = classifySubjectCode(text, today);
  return check.ok ? { ok: true, code: check.code, kind: check.kind } : { ok: false, code: check.code, value: masked(text) };
}

function masked(raw: string): string {
  return maskIdentifier(normalizeIdentifier(raw));
}

function blankToUndefined(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (Array.isArray(value) && value.length === 0) return undefined;
  return value;
}

function toList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
  if (typeof value === 'string') return value.split(ARRAY_SEPARATORS).map((v) => v.trim()).filter(Boolean);
  return [];
}

function shown(field: CatalogField, value: unknown): string {
  // Control characters (a NUL above all) are not echoed back: they break CSV reports and logs.
  // eslint-disable-next-line no-control-regex
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/[\u0000-\u001f]/g, '\ufffd');
  const clipped = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return field.personal ? maskIdentifier(clipped) : clipped;
}
