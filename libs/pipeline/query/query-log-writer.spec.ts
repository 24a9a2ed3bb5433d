import type { QueryLogEntry } from '../../persistence/subject-query.repository';
import { QueryLogWriter } from './query-log-writer';

/** 第十九条: every look is committed to the query log before it is answered; group commit keeps that at throughput. */
function entry(n: number): QueryLogEntry {
  return {
    queriedAt: new Date('2026-03-01T00:00:00Z'),
    callerKind: 'public',
    callerId: null,
    subjectCode: `S${n}`,
    purpose: null,
    outcome: 'served',
    reason: null,
    resultCount: 1,
    clientAddress: null,
    queryKind: 'subject',
    itemCodes: ['administrative_penalty'],
    reference: null,
  };
}

/** An append whose transactions the test commits or fails by hand. */
function manualAppend() {
  const calls: Array<{ subjects: string[]; commit: () => void; fail: (e: Error) => void }> = [];
  const append = (entries: readonly QueryLogEntry[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ subjects: entries.map((e) => e.subjectCode), commit: resolve, fail: reject });
    });
  return { calls, append };
}

const settled = () => new Promise((r) => setImmediate(r));

describe('QueryLogWriter (group commit of query-log rows)', () => {
  it('commits a lone row at once, then the rows that queued meanwhile in one transaction', async () => {
    const { calls, append } = manualAppend();
    const writer = new QueryLogWriter(append, { maxBatch: 10, maxInFlight: 1 });
    const done: string[] = [];
    const first = writer.write(entry(1)).then(() => done.push('S1'));
    const rest = [2, 3, 4].map((n) => writer.write(entry(n)).then(() => done.push(`S${n}`)));
    await settled();
    expect(calls.map((c) => c.subjects)).toEqual([['S1']]);

    calls[0].commit();
    await first;
    await settled();
    expect(done).toEqual(['S1']); // the others wait for their own commit
    expect(calls.map((c) => c.subjects)).toEqual([['S1'], ['S2', 'S3', 'S4']]);

    calls[1].commit();
    await Promise.all(rest);
    expect(done).toEqual(['S1', 'S2', 'S3', 'S4']);
  });

  it('retries a failed group commit request by request: only the caller whose own rows fail again hears the error', async () => {
    const { calls, append } = manualAppend();
    const writer = new QueryLogWriter(append, { maxBatch: 10, maxInFlight: 1 });
    const first = writer.write(entry(1));
    const second = writer.write(entry(2));
    const hostile = writer.write(entry(3));
    const fourth = writer.write(entry(4));
    await settled();
    calls[0].commit();
    await first;
    await settled();
    expect(calls[1].subjects).toEqual(['S2', 'S3', 'S4']);
    calls[1].fail(new Error('invalid byte sequence for encoding "UTF8": 0x00'));
    await settled();
    expect(calls[2].subjects).toEqual(['S2']);
    calls[2].commit();
    await expect(second).resolves.toBeUndefined();
    await settled();
    expect(calls[3].subjects).toEqual(['S3']);
    calls[3].fail(new Error('invalid byte sequence for encoding "UTF8": 0x00'));
    await expect(hostile).rejects.toThrow('0x00');
    await settled();
    expect(calls[4].subjects).toEqual(['S4']);
    calls[4].commit();
    await expect(fourth).resolves.toBeUndefined();

    const fifth = writer.write(entry(5));
    await settled();
    expect(calls[5].subjects).toEqual(['S5']);
    calls[5].commit();
    await expect(fifth).resolves.toBeUndefined();
  });

  it('fails a lone request whose transaction failed, without a retry', async () => {
    const { calls, append } = manualAppend();
    const writer = new QueryLogWriter(append, { maxBatch: 10, maxInFlight: 1 });
    const lone = writer.write(entry(1));
    await settled();
    calls[0].fail(new Error('trigger refused the row'));
    await expect(lone).rejects.toThrow('trigger refused the row');
    expect(calls).toHaveLength(1);
  });

  it('never splits the rows of one request across transactions, and caps a transaction at maxBatch rows otherwise', async () => {
    const { calls, append } = manualAppend();
    const writer = new QueryLogWriter(append, { maxBatch: 3, maxInFlight: 1 });
    const lone = writer.write(entry(0));
    const batch = writer.writeAll([entry(1), entry(2), entry(3), entry(4)]);
    const after = [5, 6, 7, 8].map((n) => writer.write(entry(n)));
    await settled();
    calls[0].commit();
    await lone;
    await settled();
    expect(calls[1].subjects).toEqual(['S1', 'S2', 'S3', 'S4']); // one request, larger than maxBatch, whole
    calls[1].commit();
    await batch;
    await settled();
    expect(calls[2].subjects).toEqual(['S5', 'S6', 'S7']);
    calls[2].commit();
    await settled();
    expect(calls[3].subjects).toEqual(['S8']);
    calls[3].commit();
    await Promise.all(after);
  });

  it('keeps up to maxInFlight transactions open at once', async () => {
    const { calls, append } = manualAppend();
    const writer = new QueryLogWriter(append, { maxBatch: 10, maxInFlight: 2 });
    const writes = [1, 2, 3].map((n) => writer.write(entry(n)));
    await settled();
    expect(calls.map((c) => c.subjects)).toEqual([['S1'], ['S2']]);
    calls[1].commit();
    await settled();
    expect(calls.map((c) => c.subjects)).toEqual([['S1'], ['S2'], ['S3']]);
    calls[0].commit();
    calls[2].commit();
    await Promise.all(writes);
  });

  it('answers an empty request without a transaction', async () => {
    const { calls, append } = manualAppend();
    await new QueryLogWriter(append).writeAll([]);
    expect(calls).toEqual([]);
  });

  it('tells its observer of every commit, with the rows and how long it took, and of every failed one', async () => {
    const { calls, append } = manualAppend();
    const seen: string[] = [];
    const writer = new QueryLogWriter(append, { maxBatch: 10, maxInFlight: 1 }, {
      committed: (entries, seconds) => seen.push(`committed ${entries.map((e) => e.subjectCode).join(',')} in ${seconds >= 0 ? 'some' : 'negative'} time`),
      failed: (entries) => seen.push(`failed ${entries.map((e) => e.subjectCode).join(',')}`),
    });
    const first = writer.writeAll([entry(1), entry(2)]);
    await settled();
    calls[0].commit();
    await first;
    const second = writer.write(entry(3));
    await settled();
    calls[1].fail(new Error('disk full'));
    await expect(second).rejects.toThrow('disk full');
    expect(seen).toEqual(['committed S1,S2 in some time', 'failed S3']);
  });
});
