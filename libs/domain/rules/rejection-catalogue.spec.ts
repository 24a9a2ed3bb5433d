/**
 * docs/rejection-codes.md is generated from REJECTION_CODES and RULES_OF_THE_MEASURES: this test
 * fails when the committed file and the code disagree (regenerate it, then review the diff).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as identity from '../identity';
import * as publication from '../publication/publication-end';
import { REJECTION_CODES } from '../rejections/rejection-codes';
import * as validation from '../validation/validate-record';
import * as rules from './index';
import { REJECTION_CATALOGUE_PATH, renderRejectionCatalogue } from './rejection-catalogue';

const REPO_ROOT = path.resolve(__dirname, '../../..');

describe('docs/rejection-codes.md', () => {
  it('is the rendered rejection catalogue (run `npm run build && node dist/scripts/write-rejection-codes.js` to regenerate)', () => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, REJECTION_CATALOGUE_PATH), 'utf8');
    expect(committed).toBe(renderRejectionCatalogue());
  });
});

describe('renderRejectionCatalogue', () => {
  const text = renderRejectionCatalogue();

  it.each(Object.entries(REJECTION_CODES))('lists %s with its Chinese and English messages, basis and hint', (code, d) => {
    const line = text.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    expect(line).toBe(`| \`${code}\` | ${d.zh} | ${d.en} | ${d.basis} | ${d.hint} |`);
  });

  it.each(rules.RULES_OF_THE_MEASURES.map((r) => [r.name, r.article]))('lists the rule %s (%s)', (name, article) => {
    expect(text).toContain(`| \`${name}\` | ${article} |`);
  });

  it('lists the 第十五条 terms', () => {
    expect(text).toContain('| `PROHIBITED_FIELD` | 第十五条第一款 | 血型 (blood type) | 血型 | blood type, blood group, xuexing | — |');
    expect(text).toContain('纳税数额 (amount of tax paid)');
  });

  it('is deterministic and ends with one newline', () => {
    expect(renderRejectionCatalogue()).toBe(text);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });
});

describe('RULES_OF_THE_MEASURES', () => {
  const exported: Record<string, unknown> = { ...identity, ...publication, ...validation, ...rules };

  it.each(rules.RULES_OF_THE_MEASURES.map((r) => [r.name, r.article]))('%s (%s) names an exported function', (name) => {
    expect(typeof exported[name]).toBe('function');
  });

  it.each(rules.RULES_OF_THE_MEASURES.map((r) => [r.name, r.article]))('%s cites an article as 第…条(第…款)', (_name, article) => {
    expect(article).toMatch(/^第[一二三四五六七八九十]+条(第[一二三四五六七八九十]+款)?$/);
  });

  it('names each function once', () => {
    const names = rules.RULES_OF_THE_MEASURES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
