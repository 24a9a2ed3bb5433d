/**
 * The catalog of credit information items (第九条), loaded from `catalog/items/*.yaml` and
 * validated against `catalogItemSchema` at load time. A broken catalog stops the hub with
 * one error that lists every problem of every file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { catalogItemSchema, type CatalogField, type CatalogItem } from './catalog-item.schema';

export type JsonSchema = Record<string, unknown>;

export interface CatalogProblem {
  /** file name relative to the items directory */
  readonly file: string;
  /** where in the file, e.g. `fields[3].requiredWhen.field`; empty for the whole file */
  readonly path: string;
  readonly message: string;
}

export type CatalogErrorCode = 'CATALOG_INVALID' | 'UNKNOWN_ITEM';

export class CatalogError extends Error {
  override readonly name = 'CatalogError';

  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    readonly problems: readonly CatalogProblem[] = [],
  ) {
    super(message);
  }

  static invalid(problems: readonly CatalogProblem[]): CatalogError {
    const lines = problems.map((p) => `  ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message}`);
    return new CatalogError(
      'CATALOG_INVALID',
      `catalog invalid, ${problems.length} problem(s):\n${lines.join('\n')}`,
      problems,
    );
  }
}

const JSON_SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema';
/** GB 32100-2015: 31-symbol alphabet (no I, O, Z, S, V), characters 3-8 digits. The check
 * character is verified by the validator, not by this pattern. */
const USCC_PATTERN = '[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}';
/** GB 11643-1999, after legacy 15-digit numbers are converted. */
const CITIZEN_ID_PATTERN = '[0-9]{17}[0-9X]';
const DECIMAL_PATTERN = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$';

export class Catalog {
  private readonly items: ReadonlyMap<string, CatalogItem>;

  constructor(items: readonly CatalogItem[]) {
    const byCode = new Map<string, CatalogItem>();
    for (const item of [...items].sort((a, b) => a.code.localeCompare(b.code))) {
      if (byCode.has(item.code)) {
        throw new CatalogError('CATALOG_INVALID', `duplicate catalog item code "${item.code}"`);
      }
      byCode.set(item.code, deepFreeze(structuredClone(item)));
    }
    this.items = byCode;
  }

  /** Every item, ordered by code. */
  all(): CatalogItem[] {
    return [...this.items.values()];
  }

  find(code: string): CatalogItem | undefined {
    return this.items.get(code);
  }

  /**
   * JSON Schema (draft 2020-12) of one canonical record of the item. `required` lists the fields
   * every record must carry (`required: true`, and `requiredWhen: {categoryBad: true}` since a
   * bad item's records are always bad information); the other conditions become if/then.
   */
  jsonSchemaOf(code: string): JsonSchema {
    const item = this.items.get(code);
    if (item === undefined) {
      throw new CatalogError('UNKNOWN_ITEM', `unknown catalog item "${code}"`);
    }
    return recordJsonSchema(item);
  }

  /** JSON Schema of the item file format itself. */
  itemSchema(): JsonSchema {
    return catalogItemJsonSchema();
  }
}

export function catalogItemJsonSchema(): JsonSchema {
  return { ...z.toJSONSchema(catalogItemSchema), $id: 'urn:credit-hub:catalog-item' };
}

export function recordJsonSchema(item: CatalogItem): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const conditions: JsonSchema[] = [];
  for (const field of item.fields) {
    properties[field.name] = fieldJsonSchema(field);
    const when = field.requiredWhen;
    if (field.required || (when?.categoryBad === true && item.category === 'bad')) {
      required.push(field.name);
    } else if (when?.field !== undefined && when.equals !== undefined) {
      conditions.push({
        if: { properties: { [when.field]: { const: when.equals } }, required: [when.field] },
        then: { required: [field.name] },
      });
    } else if (when?.field !== undefined && when.includes !== undefined) {
      conditions.push({
        if: { properties: { [when.field]: { type: 'array', contains: { const: when.includes } } }, required: [when.field] },
        then: { required: [field.name] },
      });
    }
  }
  return {
    $schema: JSON_SCHEMA_DRAFT,
    $id: `urn:credit-hub:catalog:${item.code}:v${item.version}`,
    title: `${item.name} (${item.code})`,
    description: `目录项 ${item.code} 第${item.version}版; category ${item.category}, disclosure ${item.disclosure}`,
    type: 'object',
    properties,
    required,
    ...(conditions.length > 0 ? { allOf: conditions } : {}),
    additionalProperties: true,
  };
}

function fieldJsonSchema(field: CatalogField): JsonSchema {
  const annotations: JsonSchema = { title: field.label, ...(field.notes ? { description: field.notes } : {}) };
  switch (field.type) {
    case 'string':
    case 'text':
      return { ...annotations, type: 'string', ...(field.maxLength ? { maxLength: field.maxLength } : {}) };
    case 'date':
      return { ...annotations, type: 'string', format: 'date' };
    case 'decimal':
      return { ...annotations, type: 'string', pattern: DECIMAL_PATTERN };
    case 'integer':
      return { ...annotations, type: 'integer' };
    case 'boolean':
      return { ...annotations, type: 'boolean' };
    case 'enum':
      return { ...annotations, type: 'string', enum: [...(field.codeList ?? [])] };
    case 'string_array':
      return {
        ...annotations,
        type: 'array',
        items: field.codeList ? { type: 'string', enum: [...field.codeList] } : { type: 'string' },
        uniqueItems: true,
        ...(field.required ? { minItems: 1 } : {}),
      };
    case 'subject_code':
      return { ...annotations, type: 'string', pattern: `^(${USCC_PATTERN}|${CITIZEN_ID_PATTERN})$` };
    case 'uscc':
      return { ...annotations, type: 'string', pattern: `^${USCC_PATTERN}$` };
  }
}

/**
 * The items directory beside this file when run from source (ts-jest), else the source
 * folder `catalog/items` seen from the compiled `dist/catalog/`: the yaml is not copied by tsc.
 */
export function defaultCatalogDir(): string {
  const beside = path.join(__dirname, 'items');
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, '../../catalog/items');
}

/** Reads and validates every `*.yaml` of `dir`; throws one CatalogError listing every problem. */
export function loadCatalog(dir: string = defaultCatalogDir()): Catalog {
  const problems: CatalogProblem[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (error) {
    throw CatalogError.invalid([{ file: dir, path: '', message: `cannot read the catalog directory: ${String(error)}` }]);
  }

  const items: CatalogItem[] = [];
  const fileOfCode = new Map<string, string>();
  for (const file of names) {
    if (file.endsWith('.yml')) {
      problems.push({ file, path: '', message: 'item files end in .yaml; this file is not read' });
      continue;
    }
    if (!file.endsWith('.yaml')) continue;

    const parsed = parseItemFile(file, fs.readFileSync(path.join(dir, file), 'utf8'));
    problems.push(...parsed.problems);

    // Checked on the raw code too, so an invalid file still reports these problems.
    const code = parsed.code;
    if (code === undefined) continue;
    const stem = file.slice(0, -'.yaml'.length);
    if (code !== stem) {
      problems.push({ file, path: 'code', message: `code "${code}" differs from the file name "${stem}"` });
    }
    const other = fileOfCode.get(code);
    if (other !== undefined) {
      problems.push({ file, path: 'code', message: `duplicate code "${code}", also in ${other}` });
      continue;
    }
    fileOfCode.set(code, file);
    if (parsed.item !== undefined) items.push(parsed.item);
  }
  if (items.length === 0 && problems.length === 0) {
    problems.push({ file: dir, path: '', message: 'no *.yaml item files' });
  }
  if (problems.length > 0) throw CatalogError.invalid(problems);
  return new Catalog(items);
}

interface ParsedFile {
  readonly item?: CatalogItem;
  /** the code as written, even when the file is invalid */
  readonly code?: string;
  readonly problems: CatalogProblem[];
}

function parseItemFile(file: string, text: string): ParsedFile {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => ({ file, path: '', message: `YAML: ${e.message}` })) };
  }
  const raw: unknown = doc.toJS();
  const result = catalogItemSchema.safeParse(raw);
  if (result.success) return { item: result.data, code: result.data.code, problems: [] };
  const rawCode = isRecord(raw) && typeof raw['code'] === 'string' ? raw['code'] : undefined;
  return {
    code: rawCode,
    problems: result.error.issues.map((issue) => ({
      file,
      path: formatPath(issue.path),
      message: withFieldName(raw, issue.path, issue.message),
    })),
  };
}

function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`))
    .join('');
}

/** `fields[12]` is hard to find in a file: name the field too. */
function withFieldName(raw: unknown, segments: readonly PropertyKey[], message: string): string {
  if (segments[0] !== 'fields' || typeof segments[1] !== 'number' || !isRecord(raw)) return message;
  const fields = raw['fields'];
  const field: unknown = Array.isArray(fields) ? fields[segments[1]] : undefined;
  const name = isRecord(field) ? field['name'] : undefined;
  return typeof name === 'string' ? `field "${name}": ${message}` : message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
