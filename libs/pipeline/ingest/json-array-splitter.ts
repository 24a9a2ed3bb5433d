import type { RecordRefusal } from '../../bus/messages';
import { IngestError } from './ingest-error';
import { utf8Length } from './record-bounds';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}

/** One top-level element: its text, or why it was skipped unread (too large or too deep). */
export type SplitElement = { readonly index: number; readonly text: string } | { readonly index: number; readonly refusal: RecordRefusal };

/**
 * Cuts a streamed JSON array into the text of its top-level elements, which JSON.parse then
 * reads natively. Written by hand because stream-json, which does the same through a token
 * stream, was measured 7× slower and capped ingest below the throughput target (BENCHMARKS.md).
 * It only tracks strings, nesting and separators; JSON.parse validates each element in full.
 * An element past the byte or depth limit stops being kept at once and is skipped to its end
 * (a 60 MB record is never held whole), then reported as refused in its place.
 */
export class JsonArraySplitter {
  /** Elements completed so far: the index of the element being read. */
  completed = 0;
  private state: 'before' | 'open' | 'comma' | 'element' | 'after' = 'before';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pieces: string[] = [];
  private elementBytes = 0;
  private refusal: RecordRefusal | undefined;

  constructor(
    private readonly maxDepth: number,
    private readonly maxElementBytes = Number.MAX_SAFE_INTEGER,
  ) {}

  /** Returns the elements that this piece of text completes, with their positions in the array. */
  feed(text: string): SplitElement[] {
    const out: SplitElement[] = [];
    let start = this.state === 'element' ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case 'before':
          if (isSpace(c)) continue;
          if (c !== OPEN_BRACKET) throw this.malformed('请求体应为 JSON 数组', 'not an array');
          this.state = 'open';
          continue;
        case 'open':
        case 'comma':
          if (isSpace(c)) continue;
          if (c === CLOSE_BRACKET) {
            if (this.state === 'comma') throw this.malformed('JSON 数组末尾多余的逗号', 'trailing comma');
            this.state = 'after';
            continue;
          }
          if (c === COMMA) throw this.malformed('JSON 数组中缺少元素', 'empty element');
          this.state = 'element';
          start = i;
          i--; // read this character as part of the element
          continue;
        case 'after':
          if (!isSpace(c)) throw this.malformed('JSON 数组结束后还有多余内容', 'content after the array');
          continue;
        case 'element':
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === BACKSLASH) this.escaped = true;
            else if (c === QUOTE) this.inString = false;
            continue;
          }
          if (c === QUOTE) this.inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            if (++this.depth > this.maxDepth) this.refuse(`嵌套超过 ${this.maxDepth} 层`);
          } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && this.depth > 0) this.depth--;
          else if (this.depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
            if (!this.refusal) this.keep(text, start, i);
            out.push(this.refusal ? { index: this.completed, refusal: this.refusal } : { index: this.completed, text: this.pieces.join('') });
            this.pieces = [];
            this.elementBytes = 0;
            this.refusal = undefined;
            this.completed++;
            this.state = c === COMMA ? 'comma' : 'after';
            start = -1;
          }
          continue;
      }
    }
    if (this.state === 'element' && start >= 0 && !this.refusal) this.keep(text, start, text.length);
    return out;
  }

  private keep(text: string, start: number, end: number): void {
    const piece = text.slice(start, end);
    this.elementBytes += utf8Length(piece);
    if (this.elementBytes > this.maxElementBytes) this.refuse(`超过 ${this.maxElementBytes} 字节`);
    else this.pieces.push(piece);
  }

  private refuse(value: string): void {
    this.refusal ??= { code: 'RECORD_TOO_LARGE', field: '(record)', value };
    this.pieces = [];
  }

  end(): void {
    if (this.state === 'before') throw new IngestError('EMPTY_BODY', '请求体为空');
    if (this.state !== 'after') throw this.malformed('JSON 数组不完整', 'unexpected end of input');
  }

  private malformed(message: string, reason: string): IngestError {
    return new IngestError('MALFORMED_BODY', message, [{ index: this.completed, reason }]);
  }
}
