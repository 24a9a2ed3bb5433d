import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REJECTION_CATALOGUE_PATH, renderRejectionCatalogue } from '../libs/domain/rules/rejection-catalogue';

/**
 * Writes docs/rejection-codes.md from the rejection codes and the rules of the measures, so a
 * change of a code, message or rule shows in review. Run from dist/scripts after `npm run build`;
 * libs/domain/rules/rejection-catalogue.spec.ts fails while the committed file is stale.
 */
function main(): void {
  const out = resolve(__dirname, '../..', REJECTION_CATALOGUE_PATH);
  writeFileSync(out, renderRejectionCatalogue());
  process.stdout.write(`wrote ${out}\n`);
}

main();
