import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';

/**
 * Holds the chunks of a submission until the whole body has been read and found valid, so a
 * malformed record 100,000 leaves nothing behind. Small submissions stay in memory; past the
 * threshold the chunks go to a temporary file, keeping memory flat for a 200 MB body.
 */
export class ChunkSpool<T> {
  private readonly inMemory: T[] = [];
  private bytesInMemory = 0;
  private file?: { path: string; stream: WriteStream };
  private failure?: Error;
  private count = 0;

  constructor(private readonly memoryLimitBytes = 16 * 1024 * 1024) {}

  get length(): number {
    return this.count;
  }

  /** `approximateBytes`: what the chunk weighed in the request body (measuring it again would cost a serialisation). */
  async add(chunk: T, approximateBytes: number): Promise<void> {
    this.count++;
    if (!this.file) {
      this.inMemory.push(chunk);
      this.bytesInMemory += approximateBytes;
      if (this.bytesInMemory <= this.memoryLimitBytes) return;
      const path = join(tmpdir(), `credit-hub-spool-${randomUUID()}.ndjson`);
      const stream = createWriteStream(path);
      // A failed open or write (disk full) is kept and raised by the next add or read, not left to
      // an unheard 'error' event.
      stream.on('error', (error) => {
        this.failure ??= error;
      });
      this.file = { path, stream };
      for (const held of this.inMemory.splice(0)) await this.write(JSON.stringify(held));
      return;
    }
    await this.write(JSON.stringify(chunk));
  }

  async *read(): AsyncGenerator<T> {
    if (!this.file) {
      yield* this.inMemory;
      return;
    }
    if (this.failure) throw this.failure;
    this.file.stream.end();
    await once(this.file.stream, 'finish');
    const lines = createInterface({ input: createReadStream(this.file.path), crlfDelay: Infinity });
    for await (const line of lines) yield JSON.parse(line) as T;
  }

  async dispose(): Promise<void> {
    if (this.file) {
      // Writes still buffered when the spool is thrown away fail with ERR_STREAM_DESTROYED; the
      // listener set at creation hears them and nobody reads this spool any more.
      this.file.stream.destroy();
      await rm(this.file.path, { force: true });
    }
  }

  private async write(line: string): Promise<void> {
    if (this.failure) throw this.failure;
    const stream = (this.file as { stream: WriteStream }).stream;
    if (!stream.write(`${line}\n`)) await once(stream, 'drain');
  }
}
