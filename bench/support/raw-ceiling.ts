import * as amqp from 'amqplib';
import { Pool } from 'pg';
import { BenchError, Deadline, perSecond, round } from './util';

/**
 * The "raw ceiling": the same records, in the same chunk size, through the same broker and
 * database with nothing of the hub in between — a confirm channel publishing persistent
 * messages to a plain quorum queue, and a consumer writing each message to a two-column table
 * in one statement. The hub's end-to-end rate divided by this one is the share of the
 * hardware's capacity the hub's own work (validation, versioning, logs) leaves.
 *
 * Not COPY: node-postgres has no COPY FROM STDIN without pg-copy-streams, which is not
 * installed. Each message is one multi-row INSERT ... SELECT over jsonb_array_elements of the
 * message body, which is close to COPY for rows this size but not the same thing.
 */

export interface RawChunk {
  readonly chunkNo: number;
  readonly records: readonly { readonly index: number; readonly sourceKey: string; readonly payload: Record<string, unknown> }[];
}

export interface RawPhase {
  readonly records: number;
  readonly messages: number;
  readonly ms: number;
  readonly recordsPerSecond: number;
}

export interface RawCeilingResult {
  readonly method: string;
  readonly chunkSize: number;
  readonly prefetch: number;
  readonly poolSize: number;
  readonly payloadMiB: number;
  /** Publish everything and wait for the confirms, then consume everything: clean per-phase rates. */
  readonly sequential: { readonly publishConfirm: RawPhase; readonly consumeInsert: RawPhase; readonly overall: RawPhase };
  /** Consumer running while publishing, as in the hub: first publish to last row committed. */
  readonly pipelined: { readonly publishConfirm: RawPhase; readonly overall: RawPhase };
}

const TABLE = 'bench_raw_records';
const INSERT = `INSERT INTO ${TABLE} (source_key, payload)
  SELECT r->>'sourceKey', r->'payload' FROM jsonb_array_elements($1::jsonb -> 'records') AS r`;

export function toRawChunks(records: readonly Record<string, unknown>[], chunkSize: number): RawChunk[] {
  const chunks: RawChunk[] = [];
  for (let start = 0; start < records.length; start += chunkSize) {
    chunks.push({
      chunkNo: chunks.length,
      records: records.slice(start, start + chunkSize).map((r, i) => {
        const { source_key: sourceKey, ...payload } = r;
        return { index: start + i, sourceKey: String(sourceKey), payload };
      }),
    });
  }
  return chunks;
}

export async function measureRawCeiling(options: {
  readonly amqpUrl: string;
  readonly databaseUrl: string;
  readonly chunks: readonly RawChunk[];
  readonly chunkSize: number;
  readonly prefetch: number;
  readonly poolSize: number;
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
  /** Called when the work is done, before the consumer's connections close (for CPU accounting). */
  readonly done: () => void;
}): Promise<RawCeilingResult> {
  const total = options.chunks.reduce((n, c) => n + c.records.length, 0);
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize, connectionTimeoutMillis: 10_000 });
  const connection = await amqp.connect(options.amqpUrl);
  try {
    await pool.query(`CREATE TABLE ${TABLE} (source_key text PRIMARY KEY, payload jsonb NOT NULL)`);
    const publisher = await connection.createConfirmChannel();
    const consumer = await connection.createChannel();
    await consumer.prefetch(options.prefetch, false);
    let payloadBytes = 0;

    const publishAll = async (queue: string): Promise<RawPhase> => {
      const started = performance.now();
      payloadBytes = 0;
      for (const chunk of options.chunks) {
        const body = Buffer.from(JSON.stringify(chunk));
        payloadBytes += body.length;
        const ok = publisher.publish('', queue, body, { persistent: true, contentType: 'application/json' });
        if (!ok) await new Promise<void>((resolve) => publisher.once('drain', () => resolve()));
      }
      await publisher.waitForConfirms();
      const ms = performance.now() - started;
      return phase(total, options.chunks.length, ms);
    };

    /** Starts consuming; the promise resolves when every record of the run is committed. */
    const consumeAll = async (queue: string, deadline: Deadline): Promise<{ started: number; done: Promise<number> }> => {
      let rows = 0;
      let settle: { resolve: (t: number) => void; reject: (e: Error) => void } | undefined;
      const done = new Promise<number>((resolve, reject) => (settle = { resolve, reject }));
      const timer = setTimeout(
        () => settle?.reject(new BenchError(`${deadline.describe()} (${rows}/${total} rows inserted)`)),
        deadline.remainingMs,
      );
      const started = performance.now();
      const { consumerTag } = await consumer.consume(queue, (msg) => {
        if (!msg) return;
        void pool.query(INSERT, [msg.content.toString('utf8')]).then(
          (r) => {
            consumer.ack(msg);
            rows += r.rowCount ?? 0;
            if (rows >= total) settle?.resolve(performance.now());
          },
          (e: Error) => settle?.reject(new BenchError(`raw insert failed: ${e.message}`)),
        );
      }, { noAck: false });
      const finished = done.finally(async () => {
        clearTimeout(timer);
        await consumer.cancel(consumerTag);
      });
      return { started, done: finished };
    };

    const queueArgs = { durable: true, arguments: { 'x-queue-type': 'quorum' } };

    // Sequential: publish + confirm alone, then consume + insert alone.
    await publisher.assertQueue('bench.raw.sequential', queueArgs);
    const seqPublish = await publishAll('bench.raw.sequential');
    options.progress(`raw sequential publish+confirm: ${seqPublish.recordsPerSecond} records/s`);
    const seqConsume = await consumeAll('bench.raw.sequential', new Deadline('raw sequential consume', options.timeoutMs));
    const seqConsumeMs = (await seqConsume.done) - seqConsume.started;
    const seqInsert = phase(total, options.chunks.length, seqConsumeMs);
    options.progress(`raw sequential consume+insert: ${seqInsert.recordsPerSecond} records/s`);

    // Pipelined: the consumer is running while the publisher publishes.
    await pool.query(`TRUNCATE ${TABLE}`);
    await publisher.assertQueue('bench.raw.pipelined', queueArgs);
    const pipeConsume = await consumeAll('bench.raw.pipelined', new Deadline('raw pipelined run', options.timeoutMs));
    const pipeStarted = performance.now();
    const pipePublish = await publishAll('bench.raw.pipelined');
    const pipeOverall = phase(total, options.chunks.length, (await pipeConsume.done) - pipeStarted);
    options.progress(`raw pipelined overall: ${pipeOverall.recordsPerSecond} records/s`);

    options.done();
    const check = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLE}`);
    if (Number(check.rows[0].n) !== total) throw new BenchError(`raw table holds ${check.rows[0].n} rows, expected ${total}`);

    return {
      method: 'amqplib confirm channel -> quorum queue -> one INSERT ... SELECT FROM jsonb_array_elements($1) per message (bulk INSERT, not COPY)',
      chunkSize: options.chunkSize,
      prefetch: options.prefetch,
      poolSize: options.poolSize,
      payloadMiB: round(payloadBytes / 1024 ** 2, 1),
      sequential: {
        publishConfirm: seqPublish,
        consumeInsert: seqInsert,
        overall: phase(total, options.chunks.length, seqPublish.ms + seqInsert.ms),
      },
      pipelined: { publishConfirm: pipePublish, overall: pipeOverall },
    };
  } finally {
    await connection.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

function phase(records: number, messages: number, ms: number): RawPhase {
  return { records, messages, ms: Math.round(ms), recordsPerSecond: perSecond(records, ms) };
}
