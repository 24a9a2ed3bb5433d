/**
 * Memory benchmark of the SFTP connector (issue 4 acceptance: a 1 GB file keeps RSS under 300 MB).
 *
 *   npm run build && node dist/connectors/sftp/bench-1gb.js [megabytes=1024] [ndjson|csv]
 *
 * Starts a throwaway OpenSSH server (needs root and Debian's openssh-server, like the
 * integration tests), generates the file in its drop folder, then does what the runtime does:
 * read() (download with hash and size check), iterate every record (decodeBody + readRecords),
 * acknowledge(). Prints the record count, the time and the peak RSS of the whole run, sampled
 * every 20 ms and read from the kernel's high-water mark (VmHWM, reset after generation).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSftpServer } from '../../test/support/sftp-server';
import { sftpManifest } from './manifest';
import { sftpConfigSchema } from './sftp.config';
import { permissiveEgressGuard } from '../../libs/security/egress-policy';

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const megabytes = Number(process.argv[2] ?? '1024');
  const format = process.argv[3] === 'csv' ? 'csv' : 'ndjson';
  if (!Number.isFinite(megabytes) || megabytes <= 0) throw new Error('usage: bench-1gb.js [megabytes] [ndjson|csv]');

  const server = await startSftpServer();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-sftp-bench-'));
  try {
    const name = `bench.${format}`;
    const file = path.join(server.root, 'drop', name);
    const { bytes, records } = await generate(file, format, megabytes * MB);
    fs.writeFileSync(`${file}.ok`, '');
    console.log(`generated ${name}: ${(bytes / MB).toFixed(0)} MiB, ${records} records`);

    const connector = sftpManifest.create(
      sftpConfigSchema.parse({
        host: server.host,
        port: server.port,
        username: server.username,
        password: server.password,
        hostKeySha256: server.hostKeySha256,
        dropDir: `${server.root}/drop`,
        processedDir: `${server.root}/processed`,
        errorDir: `${server.root}/error`,
        feedbackDir: `${server.root}/feedback`,
        maxFileBytes: 4 * 1024 * MB,
      }),
      { workDir, now: () => new Date(), log: (level, message) => console.log(`[${level}] ${message}`), egress: permissiveEgressGuard() },
    );

    global.gc?.();
    resetHighWaterMark();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = process.hrtime.bigint();
    let downloadedAt = started;
    let counted = 0;
    for await (const batch of connector.read(null)) {
      downloadedAt = process.hrtime.bigint();
      for await (const _record of batch.records) counted++;
      await batch.acknowledge?.('bench');
    }
    const finished = process.hrtime.bigint();
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    await connector.close();

    const seconds = (t: bigint): number => Number(t) / 1e9;
    console.log(
      JSON.stringify(
        {
          file: name,
          fileMiB: Math.round(bytes / MB),
          recordsExpected: records,
          recordsRead: counted,
          downloadSeconds: +seconds(downloadedAt - started).toFixed(1),
          parseSeconds: +seconds(finished - downloadedAt).toFixed(1),
          totalSeconds: +seconds(finished - started).toFixed(1),
          throughputMiBps: +(bytes / MB / seconds(finished - started)).toFixed(1),
          rssBaselineMiB: Math.round(baseline / MB),
          rssPeakSampledMiB: Math.round(peak / MB),
          rssPeakKernelMiB: highWaterMarkMiB(),
        },
        null,
        2,
      ),
    );
    if (counted !== records) throw new Error(`read ${counted} records, generated ${records}`);
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
    await server.stop();
  }
}

/** Writes credit-like records until `target` bytes, with backpressure (flat memory here too). */
async function generate(file: string, format: 'ndjson' | 'csv', target: number): Promise<{ bytes: number; records: number }> {
  const out = fs.createWriteStream(file, { highWaterMark: 4 * MB });
  let bytes = 0;
  let records = 0;
  const write = (text: string): Promise<void> | undefined => {
    bytes += Buffer.byteLength(text);
    return out.write(text) ? undefined : new Promise((resolve) => out.once('drain', resolve));
  };
  if (format === 'csv') await write('source_key,subject_name,subject_code,decision_no,penalty_content,fine_amount,decision_date\n');
  while (bytes < target) {
    let chunk = '';
    for (let i = 0; i < 1000; i++, records++) {
      const n = records;
      const fields = {
        source_key: `CF-${n}`,
        subject_name: `厦门测试企业${n}有限公司`,
        subject_code: `91350200MA${String(n).padStart(8, '0')}`,
        decision_no: `厦市监罚〔2026〕${n}号`,
        penalty_content: '罚款人民币五千元，没收违法所得',
        fine_amount: '5000.00',
        decision_date: '2026-03-02',
      };
      chunk += format === 'csv' ? `${Object.values(fields).join(',')}\n` : `${JSON.stringify(fields)}\n`;
    }
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { bytes, records };
}

/** Linux: writing 5 to clear_refs resets VmHWM, so the peak excludes the generation phase. */
function resetHighWaterMark(): void {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not allowed: the sampled peak still stands
  }
}

function highWaterMarkMiB(): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
