import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * What a reader gets out of a PDF: poppler's pdftotext (installed by .ci/run), one string per
 * page. Proves the text is really there as text (embedded font with a Unicode map), not as shapes.
 */
export async function pdfPages(pdf: Buffer): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'credit-report-'));
  try {
    const file = join(dir, 'report.pdf');
    await writeFile(file, pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 64 * 1024 * 1024 });
    const pages = stdout.split('\f');
    if (pages[pages.length - 1].trim() === '') pages.pop();
    return pages;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** pdfinfo's answer as a map (Pages, Page size, Title, …). */
export async function pdfInfo(pdf: Buffer): Promise<Map<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'credit-report-'));
  try {
    const file = join(dir, 'report.pdf');
    await writeFile(file, pdf);
    const { stdout } = await run('pdfinfo', ['-enc', 'UTF-8', file]);
    return new Map(stdout.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** pdftotext breaks lines where the layout wraps them; compare text without whitespace. */
export function squeeze(text: string): string {
  return text.replace(/\s+/g, '');
}
