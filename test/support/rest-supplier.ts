/**
 * A scriptable supplier REST API on loopback (node:http) for the rest-pull connector tests:
 * records served in pages in each pagination mode (page number, offset, next-cursor field,
 * `Link: rel="next"`), filtered by `since` (strictly newer `updated_at`), sorted by
 * (updated_at, id); faults queued per request (5xx, 429 with Retry-After, a truncated JSON body,
 * a connection reset mid-body, a stall); and a callback receiver that records what it got.
 *
 *   GET  /v1/page/records?page=1&page_size=10[&since=…]     {"data":{"items":[…],"total":n}}
 *   GET  /v1/offset/records?offset=0&limit=10[&since=…]
 *   GET  /v1/cursor/records?limit=10[&cursor=…][&since=…]   {"data":{"items":[…],"next_cursor":"…"|null}}; 400 for a token not its own
 *   GET  /v1/link/records?per_page=10[&page=2][&since=…]    Link: <…?page=3…>; rel="next"
 *   POST /v1/callback                                        records headers and JSON body
 */
import { createServer, IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface SupplierRecord {
  readonly id: string;
  readonly updated_at: string;
  readonly [field: string]: unknown;
}

export type SupplierFault =
  /** Answer this status (with an optional Retry-After) instead of the page. */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  /** 200 with the first half of the page's JSON, properly ended (chunked): the body parses as nothing. */
  | { readonly kind: 'truncate' }
  /** 200 with a Content-Length, half the body, then the connection is destroyed. */
  | { readonly kind: 'reset' }
  /** Answer normally, but only after `ms`. */
  | { readonly kind: 'stall'; readonly ms: number };

export interface SupplierRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** performance.now() when the request arrived. */
  readonly at: number;
  /** The fault applied to it, or 'ok'. */
  readonly outcome: SupplierFault['kind'] | 'ok' | 'unauthorized';
}

export interface CallbackDelivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly at: number;
  readonly status: number;
}

export interface RestSupplierOptions {
  /** Require `Authorization: Bearer <token>` on reads. */
  readonly token?: string;
  /** Require `Authorization: Bearer <token>` on the callback. */
  readonly callbackToken?: string;
  /** Serve at most this many records per page, whatever was asked (a silent cap). */
  readonly maxPageSize?: number;
  /** Put this origin in rel="next" links instead of our own (a hostile or misconfigured supplier). */
  readonly linkOrigin?: string;
}

export interface RestSupplier {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** What the supplier serves; tests may change it between runs. */
  records: SupplierRecord[];
  readonly requests: SupplierRequest[];
  readonly callbacks: CallbackDelivery[];
  /** Applied in order to the next record reads. */
  readonly faults: SupplierFault[];
  /** Applied in order to the next callback POSTs. */
  readonly callbackFaults: SupplierFault[];
  /** Appends `count` records (ids continue from the last one) and returns them. */
  addRecords(count: number, updatedAt: string | ((i: number) => string)): SupplierRecord[];
  recordReads(): SupplierRequest[];
  close(): Promise<void>;
}

export async function startRestSupplier(options: RestSupplierOptions = {}): Promise<RestSupplier> {
  let nextId = 1;
  const state = {
    records: [] as SupplierRecord[],
    requests: [] as SupplierRequest[],
    callbacks: [] as CallbackDelivery[],
    faults: [] as SupplierFault[],
    callbackFaults: [] as SupplierFault[],
  };
  let origin = '';

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', origin);
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const body = await readAll(req);

    if (method === 'POST' && url.pathname === '/v1/callback') {
      const fault = state.callbackFaults.shift();
      if (options.callbackToken && req.headers.authorization !== `Bearer ${options.callbackToken}`) {
        state.callbacks.push({ headers: req.headers, body: parseOrText(body), at, status: 401 });
        return sendJson(res, 401, { error: 'unauthorized' });
      }
      const status = fault?.kind === 'status' ? fault.status : 200;
      state.callbacks.push({ headers: req.headers, body: parseOrText(body), at, status });
      if (fault) return applyFault(res, fault, { ok: true });
      return sendJson(res, 200, { ok: true });
    }

    const match = /^\/v1\/(page|offset|cursor|link)\/records$/.exec(url.pathname);
    if (method !== 'GET' || !match) {
      state.requests.push({ method, path: url.pathname, query, headers: req.headers, at, outcome: 'ok' });
      return sendJson(res, 404, { error: 'not found' });
    }
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      state.requests.push({ method, path: url.pathname, query, headers: req.headers, at, outcome: 'unauthorized' });
      return sendJson(res, 401, { error: 'unauthorized' });
    }
    const fault = state.faults.shift();
    state.requests.push({ method, path: url.pathname, query, headers: req.headers, at, outcome: fault?.kind ?? 'ok' });
    const page = servePage(match[1] as Mode, url);
    if (page.link) res.setHeader('link', page.link);
    if (fault) return applyFault(res, fault, page.body);
    return sendJson(res, page.status ?? 200, page.body);
  }

  type Mode = 'page' | 'offset' | 'cursor' | 'link';

  function servePage(mode: Mode, url: URL): { status?: number; body: unknown; link?: string } {
    const q = url.searchParams;
    const since = q.get('since');
    let rows = [...state.records].sort(byUpdatedThenId);
    if (since !== null) rows = rows.filter((r) => Date.parse(r.updated_at) > Date.parse(since));
    const cap = (n: number) => Math.max(1, Math.min(n, options.maxPageSize ?? Number.MAX_SAFE_INTEGER));
    switch (mode) {
      case 'page': {
        const size = cap(Number(q.get('page_size') ?? 10));
        const page = Number(q.get('page') ?? 1);
        return { body: { code: 0, data: { items: rows.slice((page - 1) * size, page * size), total: rows.length } } };
      }
      case 'offset': {
        const size = cap(Number(q.get('limit') ?? 10));
        const offset = Number(q.get('offset') ?? 0);
        return { body: { code: 0, data: { items: rows.slice(offset, offset + size), total: rows.length } } };
      }
      case 'cursor': {
        const size = cap(Number(q.get('limit') ?? 10));
        const token = q.get('cursor');
        if (token !== null) {
          // Keyset: the token names the last record served, so records added meanwhile never shift a page.
          const last = decodeToken(token);
          if (!last) return { status: 400, body: { error: 'invalid or expired cursor' } };
          rows = rows.filter((r) => byUpdatedThenId(r, last) > 0);
        }
        const items = rows.slice(0, size);
        const last = items[items.length - 1];
        const next = rows.length > size && last ? Buffer.from(JSON.stringify([last.updated_at, last.id])).toString('base64url') : null;
        return { body: { code: 0, data: { items, next_cursor: next } } };
      }
      case 'link': {
        const size = cap(Number(q.get('per_page') ?? 10));
        const page = Number(q.get('page') ?? 1);
        const items = rows.slice((page - 1) * size, page * size);
        const lastPage = Math.max(1, Math.ceil(rows.length / size));
        const at = (n: number) => {
          const u = new URL(url.pathname, options.linkOrigin ?? origin);
          u.searchParams.set('page', String(n));
          u.searchParams.set('per_page', String(size));
          if (since !== null) u.searchParams.set('since', since);
          return u.toString();
        };
        const links = [`<${at(1)}>; rel="first"`, `<${at(lastPage)}>; rel="last"`];
        if (page < lastPage) links.unshift(`<${at(page + 1)}>; rel="next"`);
        return { body: items, link: links.join(', ') };
      }
    }
  }

  async function applyFault(res: ServerResponse, fault: SupplierFault, body: unknown): Promise<void> {
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        res.writeHead(fault.status, headers);
        res.end(JSON.stringify({ error: `scripted ${fault.status}` }));
        return;
      }
      case 'truncate': {
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      case 'reset': {
        const text = Buffer.from(JSON.stringify(body));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
        res.write(text.subarray(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
        return;
      }
      case 'stall': {
        await new Promise((done) => setTimeout(done, fault.ms));
        if (!res.socket || res.socket.destroyed) return;
        sendJson(res, 200, body);
        return;
      }
    }
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    get records() {
      return state.records;
    },
    set records(value: SupplierRecord[]) {
      state.records = value;
    },
    requests: state.requests,
    callbacks: state.callbacks,
    faults: state.faults,
    callbackFaults: state.callbackFaults,
    addRecords(count, updatedAt) {
      const added: SupplierRecord[] = [];
      for (let i = 0; i < count; i++) {
        const id = `R${String(nextId++).padStart(5, '0')}`;
        added.push({ id, updated_at: typeof updatedAt === 'string' ? updatedAt : updatedAt(i), name: `企业 ${id}`, amount: i });
      }
      state.records.push(...added);
      return added;
    },
    recordReads: () => state.requests.filter((r) => r.path.endsWith('/records')),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function byUpdatedThenId(a: Pick<SupplierRecord, 'id' | 'updated_at'>, b: Pick<SupplierRecord, 'id' | 'updated_at'>): number {
  const t = Date.parse(a.updated_at) - Date.parse(b.updated_at);
  if (t !== 0) return t;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function decodeToken(token: string): Pick<SupplierRecord, 'id' | 'updated_at'> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return { updated_at: value[0], id: value[1] };
  } catch {
    // not a token of ours
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const pieces: Buffer[] = [];
    req.on('data', (piece: Buffer) => pieces.push(piece));
    req.on('end', () => done(Buffer.concat(pieces).toString('utf8')));
    req.on('error', fail);
  });
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
