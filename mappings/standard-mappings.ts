/**
 * The built-in mappings of the national 双公示 standard (credit-domain.md §3.1): suppliers that
 * send the standard's column codes (CF_* for 行政处罚, XK_* for 行政许可) need no mapping of
 * their own (API.md). The files are data in `mappings/standard/`, validated when loaded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseMappingYaml, type MappingProblem } from './mapping-engine';
import type { MappingDocument } from './mapping.schema';

/** One built-in mapping: the item it serves, its file, and the column prefix that marks the standard. */
export interface StandardMappingSpec {
  readonly item: string;
  readonly file: string;
  readonly prefix: string;
}

/** Explicit list (no directory scan): adding a standard is a reviewed change of this array. */
export const STANDARD_MAPPINGS: readonly StandardMappingSpec[] = [
  { item: 'administrative_penalty', file: 'administrative_penalty.cf.yaml', prefix: 'CF_' },
  { item: 'administrative_license', file: 'administrative_license.xk.yaml', prefix: 'XK_' },
];

/** Columns of the standard that carry no prefix (备注), and the record key of API.md. */
const UNPREFIXED_STANDARD_COLUMNS = new Set(['BZ', 'SOURCE_KEY']);

export interface MappingFileProblem extends MappingProblem {
  readonly file: string;
}

export class MappingError extends Error {
  override readonly name = 'MappingError';
  readonly code = 'INVALID_MAPPING';

  constructor(readonly problems: readonly MappingFileProblem[]) {
    super(
      `built-in mappings invalid, ${problems.length} problem(s):\n${problems
        .map((p) => `  ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message}`)
        .join('\n')}`,
    );
  }
}

/** `standard/` beside this file from source (ts-jest), else the source folder seen from `dist/mappings/`. */
export function defaultStandardMappingsDir(): string {
  const beside = path.join(__dirname, 'standard');
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, '../../mappings/standard');
}

/**
 * Reads and validates every built-in mapping; throws one MappingError listing every problem of
 * every file. Returns item code → mapping, frozen.
 */
export function loadStandardMappings(dir: string = defaultStandardMappingsDir()): ReadonlyMap<string, MappingDocument> {
  const problems: MappingFileProblem[] = [];
  const mappings = new Map<string, MappingDocument>();
  for (const spec of STANDARD_MAPPINGS) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, spec.file), 'utf8');
    } catch (error) {
      problems.push({ file: spec.file, path: '', message: `cannot read: ${String(error)}` });
      continue;
    }
    const parsed = parseMappingYaml(text);
    if (!parsed.ok) {
      problems.push(...parsed.problems.map((p) => ({ file: spec.file, ...p })));
      continue;
    }
    if (parsed.mapping.item !== spec.item) {
      problems.push({ file: spec.file, path: 'item', message: `expected ${spec.item}, found ${parsed.mapping.item}` });
      continue;
    }
    mappings.set(spec.item, deepFreeze(parsed.mapping));
  }
  if (problems.length > 0) throw new MappingError(problems);
  return mappings;
}

/**
 * True when the names are the standard's: more than half of them (ignoring the key `source_key`)
 * start with the prefix, ASCII case-insensitively (database exports write `cf_xdr_mc`), or are
 * the standard's unprefixed columns (BZ 备注).
 */
export function isStandardFieldSet(prefix: string, sourceFieldNames: readonly string[]): boolean {
  const names = sourceFieldNames.map((n) => n.replace(/^\ufeff/, '').trim().toUpperCase()).filter((n) => n !== 'SOURCE_KEY');
  const prefixed = names.filter((n) => n.startsWith(prefix)).length;
  const standard = names.filter((n) => n.startsWith(prefix) || UNPREFIXED_STANDARD_COLUMNS.has(n)).length;
  return prefixed > 0 && standard * 2 > names.length;
}

let loaded: ReadonlyMap<string, MappingDocument> | undefined;

/** The built-in mappings, read once (they are immutable data shipped with the code). */
export function builtInStandardMappings(): ReadonlyMap<string, MappingDocument> {
  loaded ??= loadStandardMappings();
  return loaded;
}

/**
 * The built-in mapping for the item when the record's field names are the standard's, else
 * undefined (the hub then reads the record in canonical names).
 */
export function standardMappingFor(
  itemCode: string,
  sourceFieldNames: string[],
  mappings: ReadonlyMap<string, MappingDocument> = builtInStandardMappings(),
): MappingDocument | undefined {
  const spec = STANDARD_MAPPINGS.find((s) => s.item === itemCode);
  if (spec === undefined || !isStandardFieldSet(spec.prefix, sourceFieldNames)) return undefined;
  return mappings.get(itemCode);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
