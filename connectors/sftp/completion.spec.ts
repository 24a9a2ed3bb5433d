import { completeFiles, type RemoteFile } from './completion';

const isData = (name: string): boolean => name.endsWith('.csv');
const f = (name: string, size: number, mtimeS: number): RemoteFile => ({ name, size, mtimeMs: mtimeS * 1000 });

describe('completeFiles, done-marker (anchors D2)', () => {
  const rule = { mode: 'done-marker', suffix: '.ok' } as const;

  it('picks a file only once its marker exists', () => {
    const { ready, waiting } = completeFiles(rule, isData, [f('a.csv', 10, 100), f('b.csv', 10, 100), f('b.csv.ok', 0, 101)]);
    expect(ready.map((r) => r.name)).toEqual(['b.csv']);
    expect(waiting).toEqual([{ file: f('a.csv', 10, 100), why: 'no-marker' }]);
  });

  it('does not trust a marker older than its file (the file is being rewritten)', () => {
    const { ready, waiting } = completeFiles(rule, isData, [f('a.csv', 10, 200), f('a.csv.ok', 0, 100)]);
    expect(ready).toEqual([]);
    expect(waiting[0]?.why).toBe('marker-older-than-file');
  });

  it('accepts a marker written in the same second as the file', () => {
    expect(completeFiles(rule, isData, [f('a.csv', 10, 100), f('a.csv.ok', 0, 100)]).ready).toHaveLength(1);
  });

  it('ignores markers and non-data files as candidates', () => {
    const { ready, waiting } = completeFiles(rule, isData, [f('a.csv.ok', 0, 100), f('notes.txt', 5, 100)]);
    expect([...ready, ...waiting]).toEqual([]);
  });

  it('orders complete files oldest first, then by name', () => {
    const listing = [f('c.csv', 1, 300), f('b.csv', 1, 100), f('a.csv', 1, 100), f('a.csv.ok', 0, 400), f('b.csv.ok', 0, 400), f('c.csv.ok', 0, 400)];
    expect(completeFiles(rule, isData, listing).ready.map((r) => r.name)).toEqual(['a.csv', 'b.csv', 'c.csv']);
  });
});

describe('completeFiles, stable window (anchors D2)', () => {
  const rule = { mode: 'stable', windowSeconds: 3 } as const;

  it('picks a file whose size and mtime did not change over the window', () => {
    expect(completeFiles(rule, isData, [f('a.csv', 10, 100)], [f('a.csv', 10, 100)]).ready).toEqual([f('a.csv', 10, 100)]);
  });

  it.each([
    ['grew', f('a.csv', 20, 103)],
    ['was rewritten to the same size', f('a.csv', 10, 103)],
    ['was truncated', f('a.csv', 5, 103)],
  ])('leaves a file that %s', (_what, later) => {
    const { ready, waiting } = completeFiles(rule, isData, [f('a.csv', 10, 100)], [later]);
    expect(ready).toEqual([]);
    expect(waiting).toEqual([{ file: later, why: 'changing' }]);
  });

  it('leaves an empty file: a writer that has just opened it', () => {
    expect(completeFiles(rule, isData, [f('a.csv', 0, 100)], [f('a.csv', 0, 100)]).waiting[0]?.why).toBe('empty');
  });

  it('skips a file that went away during the window', () => {
    expect(completeFiles(rule, isData, [f('a.csv', 10, 100)], []).waiting[0]?.why).toBe('gone');
  });

  it('does not pick a file that appeared during the window (not yet observed twice)', () => {
    expect(completeFiles(rule, isData, [], [f('a.csv', 10, 100)]).ready).toEqual([]);
  });

  it('refuses to decide without the second listing', () => {
    expect(() => completeFiles(rule, isData, [f('a.csv', 10, 100)])).toThrow();
  });
});
