import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultMappingSchemasDir, MAPPING_SCHEMA_FILE, mappingJsonSchemaText } from './generate-schema';
import { DEFAULT_DATE_FORMATS, mappingJsonSchema } from './mapping.schema';

describe('mapping JSON Schema', () => {
  it('the committed mappings/schemas/mapping.schema.json equals the one generated from the zod schema (regenerate: see generate-schema.ts)', () => {
    const committed = fs.readFileSync(path.join(defaultMappingSchemasDir(), MAPPING_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(mappingJsonSchemaText());
  });

  it('describes the document as an author writes it: item and fields required, defaults optional', () => {
    const schema = mappingJsonSchema();
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:credit-hub:mapping',
      type: 'object',
      required: ['item', 'fields'],
      additionalProperties: false,
    });
  });

  it('leaves Excel serial dates out of the default formats (a stray 2024 is not a date in 1905)', () => {
    expect(DEFAULT_DATE_FORMATS).not.toContain('excel_serial');
  });
});
