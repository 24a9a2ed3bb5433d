import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalog } from '../catalog/catalog';
import { checkMappingAgainstCatalog } from './mapping-engine';
import {
  defaultStandardMappingsDir,
  isStandardFieldSet,
  loadStandardMappings,
  MappingError,
  STANDARD_MAPPINGS,
  standardMappingFor,
} from './standard-mappings';

const CF_COLUMNS = ['CF_XDR_MC', 'CF_XDR_LB', 'CF_XDR_SHXYM', 'CF_WSH', 'CF_CFLB', 'CF_NR_FK', 'CF_JDRQ', 'BZ'];
const XK_COLUMNS = ['XK_XDR_MC', 'XK_XDR_LB', 'XK_XDR_SHXYM', 'XK_WSH', 'XK_XKLB', 'XK_JDRQ', 'BZ'];

describe('built-in standard mappings', () => {
  const mappings = loadStandardMappings();
  const catalog = loadCatalog();

  it('loads one mapping per standard', () => {
    expect([...mappings.keys()].sort()).toEqual(['administrative_license', 'administrative_penalty']);
  });

  it.each(STANDARD_MAPPINGS.map((s) => [s.item, s.file]))('%s (%s) fits its catalog item', (item) => {
    const catalogItem = catalog.find(item);
    const mapping = mappings.get(item);
    if (catalogItem === undefined || mapping === undefined) throw new Error(`missing ${item}`);
    expect(checkMappingAgainstCatalog(mapping, catalogItem)).toEqual([]);
  });

  it.each(STANDARD_MAPPINGS.map((s) => [s.item]))('%s maps every required catalog field', (item) => {
    const catalogItem = catalog.find(item);
    const mapping = mappings.get(item);
    if (catalogItem === undefined || mapping === undefined) throw new Error(`missing ${item}`);
    const required = catalogItem.fields.filter((f) => f.required || f.requiredWhen !== undefined).map((f) => f.name);
    expect(required.filter((name) => !(name in mapping.fields))).toEqual([]);
  });

  it('are frozen: a caller cannot change the shared documents', () => {
    const mapping = mappings.get('administrative_penalty');
    expect(Object.isFrozen(mapping)).toBe(true);
    expect(Object.isFrozen(mapping?.fields)).toBe(true);
  });

  it('throws one MappingError listing every problem of every file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mappings-'));
    try {
      fs.writeFileSync(path.join(dir, 'administrative_penalty.cf.yaml'), 'item: administrative_penalty\nfields:\n  x: {from: a, date: {formats: [DD.MM.YYYY]}}\n  Y: b\n');
      // administrative_license.xk.yaml is missing
      let error: unknown;
      try {
        loadStandardMappings(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MappingError);
      const problems = (error as MappingError).problems;
      expect(problems.map((p) => `${p.file} ${p.path}`)).toEqual([
        'administrative_penalty.cf.yaml fields.x.date.formats[0]',
        'administrative_penalty.cf.yaml fields.Y',
        'administrative_license.xk.yaml ',
      ]);
      expect((error as MappingError).code).toBe('INVALID_MAPPING');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a file whose item is not the one it stands for', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mappings-'));
    try {
      for (const spec of STANDARD_MAPPINGS) fs.copyFileSync(path.join(defaultStandardMappingsDir(), spec.file), path.join(dir, spec.file));
      fs.writeFileSync(path.join(dir, 'administrative_license.xk.yaml'), 'item: administrative_penalty\nfields: {subject_name: XK_XDR_MC}\n');
      expect(() => loadStandardMappings(dir)).toThrow(/administrative_license\.xk\.yaml item: expected administrative_license/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('isStandardFieldSet', () => {
  it.each([
    { name: 'CF_* columns', prefix: 'CF_', names: CF_COLUMNS, expected: true },
    { name: 'lower-case cf_* columns of a database export', prefix: 'CF_', names: CF_COLUMNS.map((n) => n.toLowerCase()), expected: true },
    { name: 'CF_* columns plus the R13 columns in canonical names', prefix: 'CF_', names: [...CF_COLUMNS, 'notified_on', 'notice_method'], expected: true },
    { name: 'CF_* columns with a BOM on the first header', prefix: 'CF_', names: ['\ufeffCF_XDR_MC', 'CF_WSH'], expected: true },
    { name: 'canonical names', prefix: 'CF_', names: ['subject_name', 'decision_no', 'decision_date'], expected: false },
    { name: 'Chinese headers', prefix: 'CF_', names: ['行政相对人名称', '处罚决定书文号'], expected: false },
    { name: 'a canonical record with one stray CF_ column', prefix: 'CF_', names: ['subject_name', 'decision_no', 'CF_WSH'], expected: false },
    { name: 'only BZ', prefix: 'CF_', names: ['BZ'], expected: false },
    { name: 'nothing', prefix: 'CF_', names: [], expected: false },
    { name: 'XK_* columns for the CF_ prefix', prefix: 'CF_', names: XK_COLUMNS, expected: false },
  ])('$name → $expected', ({ prefix, names, expected }) => {
    expect(isStandardFieldSet(prefix, names)).toBe(expected);
  });
});

describe('standardMappingFor', () => {
  it('gives the CF mapping for a penalty record in CF_* columns', () => {
    expect(standardMappingFor('administrative_penalty', CF_COLUMNS)?.item).toBe('administrative_penalty');
  });

  it('gives the XK mapping for a license record in XK_* columns', () => {
    expect(standardMappingFor('administrative_license', XK_COLUMNS)?.item).toBe('administrative_license');
  });

  it('gives nothing for canonical names, for the other standard, and for items without a standard', () => {
    expect(standardMappingFor('administrative_penalty', ['subject_name', 'decision_no'])).toBeUndefined();
    expect(standardMappingFor('administrative_penalty', XK_COLUMNS)).toBeUndefined();
    expect(standardMappingFor('tax_arrears', CF_COLUMNS)).toBeUndefined();
  });
});
