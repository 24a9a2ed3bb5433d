import { IngestError } from './ingest-error';

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

/**
 * Cuts a streamed JSON array into the text of its top-level elements, which JSON.parse then
 * reads natively. Written by hand because stream-json, which does the same through a token
 * stream, was measured 7× slower and capped ingest below the throughput target (BENCHMARKS.md).
 * It only tracks strings, nesting and separators; JSON.parse validates each element in full.
 */
export class JsonArraySplitter {
  /** Elements completed so far: the index of the element being read. */
  completed = 0;
  private state: 'before' | 'open' | 'comma' | 'element' | 'after' = 'before';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pieces: string[] = [];

  constructor(private readonly maxDepth: number) {}

  /** Returns the elements that this piece of text completes, with their positions in the array. */
  feed(text: string): { index: number; text: string }[] {
    const out: { index: number; text: string }[] = [];
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
            if (++this.depth > this.maxDepth) throw this.malformed(`第 ${this.completed} 条记录嵌套过深`, 'nested too deep');
          } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && this.depth > 0) this.depth--;
          else if (this.depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
            this.pieces.push(text.slice(start, i));
            out.push({ index: this.completed, text: this.pieces.join('') });
            this.pieces = [];
            this.completed++;
            this.state = c === COMMA ? 'comma' : 'after';
            start = -1;
          }
          continue;
      }
    }
    if (this.state === 'element' && start >= 0) this.pieces.push(text.slice(start));
    return out;
  }

  end(): void {
    if (this.state !== 'after') throw this.malformed('JSON 数组不完整', 'unexpected end of input');
  }

  private malformed(message: string, reason: string): IngestError {
    return new IngestError('MALFORMED_BODY', message, [{ index: this.completed, reason }]);
  }
}
