/**
 * Writes the committed contract files of the catalog (CONVENTIONS: commit generated contract
 * files so drift shows in review):
 *   catalog/schemas/catalog-item.schema.json        the item file format
 *   catalog/schemas/records/<code>.schema.json      one canonical record of each item
 *   catalog/schemas/catalog.lock.json               version and content hash of each item
 * Run after a catalog change: `node dist/catalog/generate-schemas.js` (after tsc).
 * `catalog.spec.ts` fails when the committed files differ from what this produces, and this
 * refuses to write when an item changed without a version bump (the lock tells).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Catalog, CatalogError, defaultCatalogDir, loadCatalog, type CatalogProblem } from './catalog';
import type { CatalogItem } from './catalog-item.schema';

export const ITEM_SCHEMA_FILE = 'catalog-item.schema.json';
export const LOCK_FILE = 'catalog.lock.json';
export const RECORDS_DIR = 'records';

/** code → the version and the hash of the item's content (comments and layout do not count). */
export type CatalogLock = Record<string, { version: number; sha256: string }>;

export function catalogLock(catalog: Catalog): CatalogLock {
  const lock: CatalogLock = {};
  for (const item of catalog.all()) lock[item.code] = { version: item.version, sha256: contentHash(item) };
  return lock;
}

/** Items whose content changed while their version did not go up (R9: know the version of each record). */
export function versionProblems(previous: CatalogLock, catalog: Catalog): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  for (const item of catalog.all()) {
    const before = previous[item.code];
    if (before === undefined) continue;
    const file = `${item.code}.yaml`;
    if (item.version < before.version) {
      problems.push({ file, path: 'version', message: `version went down from ${before.version} to ${item.version}` });
    } else if (item.version === before.version && contentHash(item) !== before.sha256) {
      problems.push({ file, path: 'version', message: `item changed: bump version (still ${item.version})` });
    }
  }
  return problems;
}

function contentHash(item: CatalogItem): string {
  return createHash('sha256').update(JSON.stringify(item)).digest('hex');
}

export function defaultSchemasDir(): string {
  return path.resolve(defaultCatalogDir(), '../schemas');
}

/** Path relative to the schemas directory → file content. */
export function generateCatalogSchemas(catalog: Catalog): Map<string, string> {
  const files = new Map<string, string>();
  files.set(ITEM_SCHEMA_FILE, toJson(catalog.itemSchema()));
  files.set(LOCK_FILE, toJson(catalogLock(catalog)));
  for (const item of catalog.all()) {
    files.set(path.posix.join(RECORDS_DIR, `${item.code}.schema.json`), toJson(catalog.jsonSchemaOf(item.code)));
  }
  return files;
}

/**
 * Writes every schema file and removes record schemas of items no longer in the catalog.
 * Throws CatalogError when an item changed without a version bump.
 */
export function writeCatalogSchemas(outDir: string = defaultSchemasDir(), catalog: Catalog = loadCatalog()): string[] {
  const lockPath = path.join(outDir, LOCK_FILE);
  if (fs.existsSync(lockPath)) {
    const problems = versionProblems(JSON.parse(fs.readFileSync(lockPath, 'utf8')) as CatalogLock, catalog);
    if (problems.length > 0) throw CatalogError.invalid(problems);
  }
  const files = generateCatalogSchemas(catalog);
  const recordsDir = path.join(outDir, RECORDS_DIR);
  fs.mkdirSync(recordsDir, { recursive: true });
  for (const name of fs.readdirSync(recordsDir)) {
    if (name.endsWith('.schema.json') && !files.has(path.posix.join(RECORDS_DIR, name))) {
      fs.rmSync(path.join(recordsDir, name));
    }
  }
  const written: string[] = [];
  for (const [relative, content] of files) {
    const target = path.join(outDir, relative);
    fs.writeFileSync(target, content, 'utf8');
    written.push(target);
  }
  return written;
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

if (require.main === module) {
  for (const file of writeCatalogSchemas()) console.log(`wrote ${file}`);
}
