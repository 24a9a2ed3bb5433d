import 'reflect-metadata';
import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bootHub, buildOpenApi } from '../apps/hub/src/boot';

/** Writes docs/openapi.json from the running controllers, so contract drift shows in review. */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'credit-hub-openapi-'));
  const { app } = await bootHub({ env: { HUB_DATA_DIR: dataDir, PORT: '0', HUB_DEMO_SUPPLIER: 'off', LOG_LEVEL: 'warn' } });
  try {
    const document = buildOpenApi(app as NestExpressApplication);
    const out = resolve(__dirname, '../../docs/openapi.json');
    writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
