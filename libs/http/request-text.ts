import { findUnstorableText, isStorableText } from '../domain/text/storable-text';

/**
 * Text hygiene of a request's own parts (issue 11): a path segment, a query parameter or a header
 * used as data that holds NUL, a lone surrogate, a C0 control, or percent-encoding that is not
 * valid UTF-8 (`%FF`, `%ED%A0%80` — an encoded surrogate) is refused with 400 INVALID_REQUEST
 * before any handler sees it. Plain functions; the edge decides what to answer and log.
 */

/** Request headers whose values the hub stores or logs as data. */
export const DATA_HEADERS = ['x-query-purpose', 'idempotency-key'] as const;

/** `raw` percent-decoded, or undefined when the encoding is not valid UTF-8 or the text is not storable. */
export function decodeStorable(raw: string, plusIsSpace = false): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, ' ') : raw);
  } catch {
    return undefined; // URIError: malformed escapes, invalid UTF-8, encoded surrogates
  }
  return isStorableText(decoded) ? decoded : undefined;
}

export interface RequestTextProblem {
  /** Where: a path segment (its 0-based index among the segments after the leading slash), a query parameter or a header. */
  readonly in: 'path' | 'query' | 'header';
  readonly segment?: number;
  /** The parameter or header name when it can be told (a bad query key is named `query`). */
  readonly field?: string;
}

/** The first problem of a request target (`/a/b?x=1`) and its data headers, or undefined. */
export function findRequestTextProblem(target: string, headers: Readonly<Record<string, string | string[] | undefined>>): RequestTextProblem | undefined {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const segments = path.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    if (decodeStorable(segments[i]) === undefined) return { in: 'path', segment: i };
  }
  if (q !== -1) {
    for (const pair of target.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeStorable(eq === -1 ? pair : pair.slice(0, eq), true);
      if (key === undefined) return { in: 'query', field: 'query' };
      if (eq !== -1 && decodeStorable(pair.slice(eq + 1), true) === undefined) return { in: 'query', field: key };
    }
  }
  for (const name of DATA_HEADERS) {
    const value = headers[name];
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (values.some((v) => !isStorableText(v))) return { in: 'header', field: headerName(name) };
  }
  return undefined;
}

/** The dotted path of the first unstorable text in a parsed JSON body (keys included), or undefined. */
export function findUnstorableBodyField(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  const found = findUnstorableText(body);
  return found === undefined ? undefined : found.field === '(record)' ? 'body' : found.field;
}

/**
 * Which parameter of a route template (`/api/v1/subjects/:code`) the path segment `index` fills, when
 * the template's other literal segments match `segments` (raw, still percent-encoded).
 */
export function parameterAt(template: string, segments: readonly string[], index: number): string | undefined {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length || !parts[index]?.startsWith(':')) return undefined;
  for (let i = 0; i < parts.length; i++) {
    if (i === index || parts[i].startsWith(':')) continue;
    if (decodeStorable(segments[i]) !== parts[i]) return undefined;
  }
  return parts[index].slice(1).replace(/[^A-Za-z0-9_].*$/, '');
}

function headerName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
