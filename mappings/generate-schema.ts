/**
 * Writes the committed JSON Schema of the mapping format, `mappings/schemas/mapping.schema.json`
 * (CONVENTIONS: commit generated contract files so drift shows in review). Run after changing
 * `mapping.schema.ts`: `npx tsc -p tsconfig.build.json && node dist/mappings/generate-schema.js`.
 * `mapping.schema.spec.ts` fails while the committed file differs from what this produces.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mappingJsonSchema } from './mapping.schema';

export const MAPPING_SCHEMA_FILE = 'mapping.schema.json';

/** `schemas/` beside this file from source, else the source folder seen from `dist/mappings/`. */
export function defaultMappingSchemasDir(): string {
  const beside = path.join(__dirname, 'schemas');
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, '../../mappings/schemas');
}

export function mappingJsonSchemaText(): string {
  return `${JSON.stringify(mappingJsonSchema(), null, 2)}\n`;
}

export function writeMappingJsonSchema(outDir: string = defaultMappingSchemasDir()): string {
  fs.mkdirSync(outDir, { recursive: true });
  const target = path.join(outDir, MAPPING_SCHEMA_FILE);
  fs.writeFileSync(target, mappingJsonSchemaText(), 'utf8');
  return target;
}

if (require.main === module) {
  console.log(`wrote ${writeMappingJsonSchema()}`);
}
