import { createHash } from 'node:crypto';
import type { BodyFormat } from '../../libs/pipeline/ingest/media-type';

/**
 * Remote file names come from the supplier and are hostile (reliability anchors 3.4, E8): they
 * are never used as local paths (local files get generated names), and before they reach a
 * label, a log line, a cursor or a name we create on the server they are escaped so that a
 * newline cannot split a log line and a bidi override cannot disguise an extension.
 */

const MAX_LABEL_CHARS = 1024;

/**
 * C0 and C1 controls, DEL, line/paragraph separators, the bidi embedding/override/isolate marks,
 * and the backslash itself, so that the escaping is one-to-one (`a\x0ab` and "a, newline, b"
 * stay two different names).
 */
function isUnsafeChar(code: number): boolean {
  return (
    code <= 0x1f ||
    code === 0x5c ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** One line of printable text: each unsafe character becomes `\xNN` or `\uNNNN`; the rest is kept (Chinese names stay readable). */
export function escapeRemoteName(name: string): string {
  let escaped = '';
  for (const c of name) {
    const code = c.codePointAt(0) ?? 0;
    if (!isUnsafeChar(code)) escaped += c;
    else escaped += code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return escaped.length > MAX_LABEL_CHARS ? `${escaped.slice(0, MAX_LABEL_CHARS)}…` : escaped;
}

/** A single path component we can address on the server: not empty, not `.`/`..`, no `/`, no NUL. */
export function isUsableRemoteName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** `dir/name` on the server; `name` must be a single usable component. */
export function remoteJoin(dir: string, name: string): string {
  if (!isUsableRemoteName(name)) throw new Error(`not a single remote path component: ${escapeRemoteName(name)}`);
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * Shell-style matching of one file name against `*` and `?` patterns. As in a shell, a leading
 * dot must be matched literally: many upload tools write `.name.csv` (or `.name.csv.XXXX`)
 * and rename when done, so a hidden file is an upload in progress, not a drop.
 */
export function fileNameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const regexes = patterns.map((p) => {
    const body = [...p]
      .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[\\^$.|+(){}[\]]/g, '\\$&')))
      .join('');
    return new RegExp(`^${body}$`, 'su');
  });
  return (name) => {
    if (name.startsWith('.')) return patterns.some((p) => p.startsWith('.')) && regexes.some((r) => r.test(name));
    return regexes.some((r) => r.test(name));
  };
}

/** The format of a data file, from its extension (case-insensitive); undefined when unknown. */
export function formatOfName(name: string): BodyFormat | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  switch (name.slice(dot + 1).toLowerCase()) {
    case 'csv':
      return 'csv';
    case 'ndjson':
    case 'jsonl':
      return 'ndjson';
    case 'json':
      return 'json';
    default:
      return undefined;
  }
}

/** UTC, sortable, no `:` (which some supplier-side tools refuse in names): `2025-03-01T08-05-09.123Z`. */
export function utcStamp(at: Date): string {
  return at.toISOString().replace(/:/g, '-');
}

/** Most file systems cap one name at 255 bytes. */
const NAME_MAX_BYTES = 255;

/**
 * `prefix + name + suffix`, with `name` shortened (and tagged with a hash of the full name, so two
 * long names stay distinct) when the whole would exceed 255 bytes.
 */
export function boundedRemoteName(prefix: string, name: string, suffix: string): string {
  const whole = `${prefix}${name}${suffix}`;
  if (Buffer.byteLength(whole) <= NAME_MAX_BYTES) return whole;
  const tag = `~${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  const room = NAME_MAX_BYTES - Buffer.byteLength(prefix + tag + suffix);
  let kept = '';
  for (const c of name) {
    if (Buffer.byteLength(kept + c) > room) break;
    kept += c;
  }
  return `${prefix}${kept}${tag}${suffix}`;
}

/** Where a picked file goes in processed/ or error/: `<UTC stamp>_<escaped name>`. */
export function archivedName(at: Date, safeName: string): string {
  return boundedRemoteName(`${utcStamp(at)}_`, safeName, '');
}

/** The rejection report of a file in feedback/: `<escaped name>.rejections.csv`. */
export function feedbackFileName(safeName: string): string {
  return boundedRemoteName('', safeName, '.rejections.csv');
}
