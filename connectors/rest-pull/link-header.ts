export interface LinkValue {
  readonly target: string;
  /** Parameter names lower-cased; `rel` may hold several space-separated relation types. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses an HTTP `Link` header (RFC 8288 §3). Written as a small scanner rather than a split on
 * "," because both a URI (`<…?a=1,2>`) and a quoted parameter (`title="a, b"`) may hold commas.
 * Malformed members are skipped, never guessed at.
 */
export function parseLinkHeader(header: string | null | undefined): LinkValue[] {
  if (!header) return [];
  const links: LinkValue[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  while (i < n) {
    skipSpace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    if (header[i] !== '<') {
      // Not a link-value: skip to the next top-level comma.
      i = skipMember(header, i);
      continue;
    }
    const close = header.indexOf('>', i + 1);
    if (close < 0) break;
    const target = header.slice(i + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (header[i] !== ';') break;
      i++;
      skipSpace();
      const nameStart = i;
      while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i])) i++;
      const name = header.slice(nameStart, i).toLowerCase();
      skipSpace();
      let value = '';
      if (header[i] === '=') {
        i++;
        skipSpace();
        if (header[i] === '"') {
          i++;
          while (i < n && header[i] !== '"') {
            if (header[i] === '\\' && i + 1 < n) i++;
            value += header[i];
            i++;
          }
          i++; // closing quote
        } else {
          const valueStart = i;
          while (i < n && header[i] !== ';' && header[i] !== ',') i++;
          value = header.slice(valueStart, i).trim();
        }
      }
      // RFC 8288: only the first occurrence of a parameter counts.
      if (name && !(name in params)) params[name] = value;
    }
    links.push({ target, params });
    skipSpace();
    if (i < n && header[i] !== ',') i = skipMember(header, i);
  }
  return links;
}

function skipMember(header: string, from: number): number {
  let i = from;
  let quoted = false;
  for (; i < header.length; i++) {
    const c = header[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) i++;
    else if (c === ',' && !quoted) break;
  }
  return i;
}

/** The target of the first link whose `rel` contains `relation` (case-insensitive), resolved against `base`. */
export function findLink(header: string | null | undefined, relation: string, base: string): string | undefined {
  const wanted = relation.toLowerCase();
  for (const link of parseLinkHeader(header)) {
    const rels = (link.params.rel ?? '').toLowerCase().split(/\s+/);
    if (!rels.includes(wanted)) continue;
    try {
      return new URL(link.target, base).toString();
    } catch {
      return undefined;
    }
  }
  return undefined;
}
