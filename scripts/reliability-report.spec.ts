import { cell, compareIds, parseResult, renderReliability, ReliabilityResult, totals } from './reliability-report';

function result(over: Partial<ReliabilityResult>): ReliabilityResult {
  return {
    id: 'A1',
    group: 'A broker',
    title: 'broker killed mid-publish',
    channel: 'REST JSON, services',
    input: 'kill -9 of the broker',
    expected: '503 meanwhile, nothing lost',
    observed: '20000 accepted, all loaded',
    accepted: 20_000,
    loaded: 20_000,
    rejected: 0,
    lost: 0,
    duplicated: 0,
    answers500: 0,
    stuckBatches: 0,
    passed: true,
    at: '2026-12-08T01:00:00.000Z',
    ...over,
  };
}

const RUN = { date: '2026-12-08T02:00:00.000Z', machine: '2 CPUs (test), 23.4 GiB RAM, linux x64, Node v20' };

describe('docs/RELIABILITY.md rendering', () => {
  it('lists the groups in plan order (A broker … G edges) and the cases in natural id order', () => {
    const doc = renderReliability(
      [
        result({ id: 'G1-rest', group: 'G edges (wave 2 findings)' }),
        result({ id: 'A10' }),
        result({ id: 'E5-csv', group: 'E hostile input' }),
        result({ id: 'A2' }),
        result({ id: 'B1', group: 'B database' }),
      ],
      RUN,
    );
    const order = ['## A broker (2 cases)', '**A2**', '**A10**', '## B database (1 case)', '## E hostile input', '## G edges'].map((s) => doc.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    
  });

  it('states input, expected, observed, the counts, pass or FAIL, the date and the machine', () => {
    const doc = renderReliability([result({}), result({ id: 'B6', group: 'B database', passed: false, observed: 'FAILED: got 500', answers500: 1 })], RUN);
    expect(doc).toContain('| **A1** broker killed mid-publish | REST JSON, services | kill -9 of the broker | 503 meanwhile, nothing lost | 20000 accepted, all loaded | 20000 | 20000 | 0 | 0 | 0 | 0 | 0 | pass |');
    expect(doc).toContain('| 0 | 0 | 1 | 0 | **FAIL** |');
    expect(doc).toContain('- Written: 2026-12-08T02:00:00.000Z');
    expect(doc).toContain('- Machine: 2 CPUs (test)');
  });

  it('ends the header with a totals line over every case', () => {
    const doc = renderReliability([result({ lost: 2 }), result({ id: 'C1', group: 'C worker', duplicated: 1, stuckBatches: 3, accepted: 5, passed: false })], RUN);
    expect(doc).toContain('**Totals: 2 cases (1 passed, 1 failed); 20005 records accepted; 2 lost, 1 duplicated, 0 answers 500, 3 stuck batches.**');
    expect(totals([])).toEqual({ cases: 0, passed: 0, failed: 0, accepted: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 });
  });

  it('keeps a table row whole whatever the text holds (pipes, line breaks)', () => {
    expect(cell('a | b\nc')).toBe('a \\| b c');
    const doc = renderReliability([result({ input: 'x|y\r\nz' })], RUN);
    expect(doc.split('\n').filter((l) => l.startsWith('| **A1**'))).toHaveLength(1);
  });

  it('orders ids numerically within a letter', () => {
    expect(['D11', 'D2', 'D10', 'D1'].sort(compareIds)).toEqual(['D1', 'D2', 'D10', 'D11']);
  });

  it('refuses a result file with a missing or mistyped field, naming it', () => {
    expect(() => parseResult(JSON.stringify({ ...result({}), lost: 'none' }), 'A1.json')).toThrow('A1.json: lost is not a number');
    expect(parseResult(JSON.stringify(result({})), 'A1.json').id).toBe('A1');
  });
});
