import { z } from 'zod';
import { dbPollManifest } from './manifest';

describe('dbPollManifest', () => {
  it('renders its config as JSON Schema, every secret top-level and writeOnly', () => {
    const schema = z.toJSONSchema(dbPollManifest.configSchema as z.ZodType, { unrepresentable: 'any', io: 'input' }) as {
      properties: Record<string, { writeOnly?: boolean }>;
    };
    for (const field of dbPollManifest.secretFields) expect(schema.properties[field]).toMatchObject({ writeOnly: true });
  });
});
