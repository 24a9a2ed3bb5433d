import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { detectGarbledText } from '../libs/domain/text/garbled-text';
import { buildCorpus, clausesOf, fromTsv, toTsv } from '../test/fixtures/garbled-text/build-corpus';

/** Writes the garbled-text detector's labelled corpus (docs/GARBLED-TEXT.md) from its fixed seed. */
const path = resolve(__dirname, '..', '..', 'test', 'fixtures', 'garbled-text', 'corpus.tsv');
const measures = readFileSync(resolve(__dirname, '..', '..', '..', 'shared', 'seed', 'xiamen-public-credit-measures-draft.zh.txt'), 'utf8');
writeFileSync(path, toTsv(buildCorpus(clausesOf(measures))));
console.log(`wrote ${path}`);

// The figures of docs/GARBLED-TEXT.md, per kind of field and per family of garbling.
const byKind = new Map<string, { label: string; n: number; flagged: number }>();
for (const entry of fromTsv(readFileSync(path, 'utf8'))) {
  const key = `${entry.label}\t${entry.kind}`;
  const row = byKind.get(key) ?? { label: entry.label, n: 0, flagged: 0 };
  row.n++;
  if (detectGarbledText(entry.text)) row.flagged++;
  byKind.set(key, row);
}
console.log('| label | kind | fields | flagged | share |\n| --- | --- | --- | --- | --- |');
for (const [key, row] of byKind) console.log(`| ${key.replace('\t', ' | ')} | ${row.n} | ${row.flagged} | ${((100 * row.flagged) / row.n).toFixed(2)} % |`);
for (const label of ['clean', 'garbled']) {
  const rows = [...byKind.values()].filter((r) => r.label === label);
  const n = rows.reduce((a, r) => a + r.n, 0);
  const flagged = rows.reduce((a, r) => a + r.flagged, 0);
  console.log(`${label}: ${flagged} of ${n} flagged (${((100 * flagged) / n).toFixed(2)} %)`);
}
