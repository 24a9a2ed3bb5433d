import * as amqp from 'amqplib';
import { Client } from 'pg';
import { errorText } from './util';

export interface LoadProgress {
  /** Records in chunks the workers have finished (loaded + rejected). */
  readonly processed: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly source: 'batch_chunks' | 'credit_records';
}

/**
 * Reads loading progress straight from the bench database: one cheap aggregate over the chunk
 * markers (a few hundred rows). If the schema has changed under us it falls back to counting
 * credit_records, which only sees loaded records (rejected ones would then never "finish").
 */
export class LoadProbe {
  private fallback = false;

  constructor(private readonly db: Client) {}

  async read(): Promise<LoadProgress> {
    if (!this.fallback) {
      try {
        const r = await this.db.query<{ processed: string; loaded: string; rejected: string }>(
          `SELECT coalesce(sum(records), 0) AS processed, coalesce(sum(loaded), 0) AS loaded,
                  coalesce(sum(rejected), 0) AS rejected FROM batch_chunks`,
        );
        const row = r.rows[0];
        return { processed: Number(row.processed), loaded: Number(row.loaded), rejected: Number(row.rejected), source: 'batch_chunks' };
      } catch (e) {
        // Only a schema difference (undefined table or column) switches the method; anything else is a failure.
        const code = (e as { code?: unknown }).code;
        if (code !== '42P01' && code !== '42703') throw e;
        process.stderr.write(`batch_chunks unreadable (${errorText(e)}); counting credit_records instead\n`);
        this.fallback = true;
      }
    }
    const loaded = await this.creditRecords();
    return { processed: loaded, loaded, rejected: 0, source: 'credit_records' };
  }

  async creditRecords(): Promise<number> {
    const r = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM credit_records');
    return Number(r.rows[0].n);
  }
}

export interface QueueDepths {
  readonly ready: number | null;
  readonly deadLettered: number | null;
}

/** Depth of the hub's queue and of its dead-letter queue, through a passive declare. */
export class QueueProbe {
  private connection?: amqp.ChannelModel;

  constructor(private readonly url: string) {}

  async read(): Promise<QueueDepths> {
    return { ready: await this.depth('hub.records'), deadLettered: await this.depth('hub.dead-letter') };
  }

  private async depth(queue: string): Promise<number | null> {
    try {
      if (!this.connection) {
        const connection = await amqp.connect(this.url);
        connection.on('error', () => undefined);
        connection.on('close', () => {
          if (this.connection === connection) this.connection = undefined;
        });
        this.connection = connection;
      }
      // A passive declare of a missing queue closes its channel: one short-lived channel per check.
      const channel = await this.connection.createChannel();
      channel.on('error', () => undefined);
      try {
        return (await channel.checkQueue(queue)).messageCount;
      } finally {
        await channel.close().catch(() => undefined);
      }
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
  }
}
