import { Transform, TransformCallback } from 'node:stream';

/** What stands in the first cell of a row that was too large to keep: no real cell holds NUL (INVALID_TEXT). */
export const TOO_LARGE_ROW = '\u0000\u0001RECORD_TOO_LARGE';

/**
 * Keeps every CSV data row under `maxBytes` (UTF-8) before the parser sees it, so a row past the
 * record limit costs that row, not the body (issue 11: RECORD_TOO_LARGE for that record, its
 * neighbours load). A row is held until its end (an unquoted line feed) and passed on whole; once
 * it passes the limit its text is dropped and the rest skipped to its end, and the parser is given
 * a stand-in row instead: TOO_LARGE_ROW in a quoted first cell holding as many line feeds as the
 * row spanned (so line numbers after it stay true), then empty cells to the header's width.
 * The header row (the first) passes untouched; CsvHeaderGuard bounds it.
 */
export class CsvRowBound extends Transform {
  private inHeader = true;
  private columns = 1;
  private inQuotes = false;
  private held: string[] = [];
  private heldBytes = 0;
  private skipping = false;
  private lineFeedsInRow = 0;

  constructor(private readonly maxBytes: number) {
    super({ decodeStrings: false, encoding: 'utf8' });
  }

  override _transform(chunk: string | Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = String(chunk);
    const out: string[] = [];
    let start = 0; // where the part of `text` not yet held or passed begins
    const special = /["\n,]/g;
    for (let m = special.exec(text); m !== null; m = special.exec(text)) {
      const c = m[0];
      if (c === '"') {
        this.inQuotes = !this.inQuotes;
      } else if (this.inQuotes) {
        if (c === '\n') this.lineFeedsInRow++;
      } else if (c === ',') {
        if (this.inHeader) this.columns++;
      } else {
        // An unquoted line feed ends the row.
        const end = m.index + 1;
        if (this.inHeader) {
          out.push(...this.held, text.slice(start, end));
          this.inHeader = false;
        } else if (this.skipping) {
          out.push(this.standIn(text.slice(m.index - 1, m.index) === '\r' ? '\r\n' : '\n'));
        } else {
          this.hold(text.slice(start, end));
          if (this.skipping) out.push(this.standIn('\n'));
          else out.push(...this.held);
        }
        this.held = [];
        this.heldBytes = 0;
        this.skipping = false;
        this.lineFeedsInRow = 0;
        start = end;
      }
    }
    if (start < text.length) {
      if (this.inHeader) this.held.push(text.slice(start));
      else if (!this.skipping) this.hold(text.slice(start));
    }
    done(null, out.join(''));
  }

  override _flush(done: TransformCallback): void {
    if (this.skipping) return done(null, this.standIn(''));
    done(null, this.held.join(''));
  }

  private hold(piece: string): void {
    if (this.skipping) return;
    this.heldBytes += Buffer.byteLength(piece, 'utf8');
    if (this.heldBytes > this.maxBytes) {
      this.held = [];
      this.skipping = true;
    } else {
      this.held.push(piece);
    }
  }

  private standIn(ending: string): string {
    return `"${TOO_LARGE_ROW}${'\n'.repeat(this.lineFeedsInRow)}"${','.repeat(this.columns - 1)}${ending}`;
  }
}
