/**
 * The spool that holds a submission's chunks until the whole body has been read and found valid:
 * in memory while small, in a temporary file past the threshold, in submission order either way.
 */
import fs from 'node:fs';
import { ChunkSpool } from './chunk-spool';

interface Chunk {
  readonly chunkNo: number;
  readonly records: readonly { readonly index: number; readonly text: string }[];
}

/** What a chunk weighed in the request body; the spool is told, it does not measure. */
function weight(c: Chunk): number {
  return Buffer.byteLength(JSON.stringify(c));
}

function chunk(chunkNo: number, text = `记录${chunkNo}`): Chunk {
  return { chunkNo, records: [{ index: chunkNo * 2, text }, { index: chunkNo * 2 + 1, text: `${text}-b` }] };
}

async function all<T>(spool: ChunkSpool<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of spool.read()) out.push(item);
  return out;
}

/**
 * The files the spool creates, seen at the fs boundary (the temporary directory is shared with
 * other processes, so listing it would not tell whose file is whose).
 */
let createWriteStream: jest.SpiedFunction<typeof fs.createWriteStream>;

beforeEach(() => {
  createWriteStream = jest.spyOn(fs, 'createWriteStream');
});

afterEach(() => {
  // A failed expectation skips dispose(); leave no file behind in the shared directory.
  for (const file of spoolFiles()) fs.rmSync(file, { force: true });
  createWriteStream.mockRestore();
});

function spoolFiles(): string[] {
  return createWriteStream.mock.calls.map(([path]) => String(path));
}

/** The write stream opens its file asynchronously. */
async function exists(path: string): Promise<boolean> {
  for (let i = 0; i < 50 && !fs.existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return fs.existsSync(path);
}

describe('ChunkSpool — small submissions stay in memory', () => {
  it('gives the chunks back in the order they were added, writing no file', async () => {
    const spool = new ChunkSpool<Chunk>();
    const chunks = [0, 1, 2, 3, 4].map((n) => chunk(n));
    for (const c of chunks) await spool.add(c, weight(c));
    expect(spool.length).toBe(5);
    expect(await all(spool)).toEqual(chunks);
    expect(spoolFiles()).toEqual([]);
    await spool.dispose();
  });

  it('an empty spool reads as nothing', async () => {
    const spool = new ChunkSpool<Chunk>();
    expect(spool.length).toBe(0);
    expect(await all(spool)).toEqual([]);
    await spool.dispose();
  });
});

describe('ChunkSpool — past the memory threshold the chunks go to a temporary file', () => {
  it('spills to one file in the temporary directory once the threshold is passed', async () => {
    const oneChunk = weight(chunk(0));
    const spool = new ChunkSpool<Chunk>(oneChunk);
    await spool.add(chunk(0), weight(chunk(0)));
    expect(spoolFiles()).toEqual([]);
    await spool.add(chunk(1), weight(chunk(1)));
    expect(spoolFiles()).toHaveLength(1);
    await spool.add(chunk(2), weight(chunk(2)));
    expect(spoolFiles()).toHaveLength(1);
    const [file = ''] = spoolFiles();
    expect(file).toMatch(/credit-hub-spool-[0-9a-f-]+\.ndjson$/);
    expect(await exists(file)).toBe(true);
    await spool.dispose();
  });

  it('keeps the submission order across the spill, including the chunks held before it', async () => {
    const spool = new ChunkSpool<Chunk>(200);
    const chunks = Array.from({ length: 50 }, (_, n) => chunk(n));
    for (const c of chunks) await spool.add(c, weight(c));
    expect(spoolFiles()).toHaveLength(1);
    expect(spool.length).toBe(50);
    expect(await all(spool)).toEqual(chunks);
    await spool.dispose();
  });

  it('gives back text with line breaks, quotes, Chinese and line separators unchanged', async () => {
    const spool = new ChunkSpool<Chunk>(1);
    const texts = ['第一行\n第二行', 'CR\rLF\r\n', '"引号" and \\ backslash', 'sep\u2028para\u2029end', '𠀀 astral', ''];
    const chunks = texts.map((text, n) => chunk(n, text));
    for (const c of chunks) await spool.add(c, weight(c));
    expect(spoolFiles()).toHaveLength(1);
    expect(await all(spool)).toEqual(chunks);
    await spool.dispose();
  });

  it('holds many chunks beyond the stream buffer without losing any', async () => {
    const spool = new ChunkSpool<Chunk>(1024);
    const chunks = Array.from({ length: 2000 }, (_, n) => chunk(n, `厦门测试企业${n}有限公司`.repeat(5)));
    for (const c of chunks) await spool.add(c, weight(c));
    const back = await all(spool);
    expect(back).toHaveLength(2000);
    expect(back.map((c) => c.chunkNo)).toEqual(chunks.map((c) => c.chunkNo));
    expect(back[1999]).toEqual(chunks[1999]);
    await spool.dispose();
  });
});

describe('ChunkSpool — dispose', () => {
  it('removes the temporary file after the chunks were read', async () => {
    const spool = new ChunkSpool<Chunk>(1);
    for (const n of [0, 1, 2]) await spool.add(chunk(n), weight(chunk(n)));
    await all(spool);
    const [file = ''] = spoolFiles();
    expect(fs.existsSync(file)).toBe(true);
    await spool.dispose();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('removes the temporary file even when the chunks were never read (a refused submission)', async () => {
    const spool = new ChunkSpool<Chunk>(1);
    for (const n of [0, 1, 2]) await spool.add(chunk(n), weight(chunk(n)));
    const [file = ''] = spoolFiles();
    expect(await exists(file)).toBe(true);
    await spool.dispose();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('is harmless when nothing was spilled, and when called twice', async () => {
    const spool = new ChunkSpool<Chunk>();
    await spool.add(chunk(0), weight(chunk(0)));
    await spool.dispose();
    await spool.dispose();
    expect(spoolFiles()).toEqual([]);
  });
});
