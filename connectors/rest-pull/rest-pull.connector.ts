import { z } from 'zod';
import { egressRefusal } from '../../libs/security/egress-policy';
import { Connector, ConnectorContext, ConnectorError, Cursor, Feedback, ReadBatch } from '../connector.contract';
import { classifyStatus, parseRetryAfter, RetryableHttpError, RetryPolicy, sleep, withRetry } from './http-retry';
import { findLink } from './link-header';
import { maxWatermark, recordsAt, recordsDigest, sinceToSend, valueAt, watermarkOf } from './page-shape';
import { RestPullConfig } from './rest-pull.config';

/** Where the next request of a run starts; `null` token/url: the first page. */
type Position =
  | { readonly kind: 'page'; readonly page: number }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'token'; readonly token: string | null }
  | { readonly kind: 'url'; readonly url: string | null };

const positionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('page'), page: z.int() }),
  z.strictObject({ kind: z.literal('offset'), offset: z.int().min(0) }),
  z.strictObject({ kind: z.literal('token'), token: z.string().nullable() }),
  z.strictObject({ kind: z.literal('url'), url: z.string().nullable() }),
]);

/**
 * The cursor this connector hands the runtime.
 * - `since`: the watermark the current run asks from. It moves only with the LAST page of a run:
 *   a supplier pages a `since` query by position, so moving `since` mid-run would renumber the
 *   pages still to come, and a supplier that does not sort by the watermark would make records on
 *   later pages look "older" than the stored mark and skip them.
 * - `resume`: mid-run only: where the next page starts, how many pages are durable, and the
 *   greatest watermark seen so far. A run cut after page 3 of 25 resumes at page 4 with the same
 *   `since` (so the same batch keys), and ends by storing the greatest watermark of all 25 pages.
 */
const cursorSchema = z.strictObject({
  since: z.string().nullable(),
  resume: z.strictObject({ position: positionSchema, pagesDone: z.int().min(1), maxSeen: z.string().nullable() }).optional(),
});
type RestCursor = z.infer<typeof cursorSchema>;

interface Page {
  readonly url: string;
  readonly body: unknown;
  readonly records: Record<string, unknown>[];
  readonly link: string | null;
}

/** Codes a supplier answers for a page token or link that expired; a resumed run then starts its `since` over. */
const STALE_POSITION_CODES = new Set(['HTTP_400', 'NOT_FOUND', 'HTTP_410', 'HTTP_422']);

export class RestPullConnector implements Connector {
  private readonly aborted = new AbortController();
  private readonly policy: RetryPolicy;

  constructor(
    private readonly config: RestPullConfig,
    private readonly context: ConnectorContext,
  ) {
    this.policy = config.retry;
  }

  /** One small request for the first page: credentials, path and the records path are right. */
  async check(): Promise<void> {
    await this.getPage(null, this.firstPosition(), 1);
  }

  async *read(cursor: Cursor | null): AsyncIterable<ReadBatch> {
    const stored = this.parseCursor(cursor);
    const since = stored.since;
    let resume = stored.resume && this.positionFits(stored.resume.position) ? stored.resume : undefined;
    if (stored.resume && !resume) this.context.log('warn', 'the stored page position does not fit the configured pagination or origin; the run starts over from since');

    let position: Position = resume?.position ?? this.firstPosition();
    let ordinal = resume ? resume.pagesDone + 1 : 1;
    let maxSeen = resume?.maxSeen ?? null;
    let missingWatermark = 0;
    /** What the runtime holds once the batches yielded so far are durable. */
    let held: RestCursor = stored;

    for (;;) {
      let page: Page;
      try {
        page = await this.getPage(since, position);
      } catch (e) {
        if (resume && e instanceof ConnectorError && STALE_POSITION_CODES.has(e.code)) {
          // An expired page token or link: read the whole `since` window again; the idempotent load absorbs the repeats.
          this.context.log('warn', `the supplier refused the stored page position (${e.code}); the run starts over from since`);
          resume = undefined;
          position = this.firstPosition();
          ordinal = 1;
          maxSeen = null;
          continue;
        }
        throw e;
      }
      resume = undefined;

      const field = this.config.incremental?.field;
      if (field) {
        for (const record of page.records) {
          const mark = watermarkOf(valueAt(record, field));
          if (mark === undefined) missingWatermark++;
          maxSeen = maxWatermark(maxSeen, mark);
        }
      }
      const next = this.nextPosition(position, page);
      let cursorAfter: RestCursor;
      if (next) {
        cursorAfter = { since, resume: { position: next, pagesDone: ordinal, maxSeen } };
      } else {
        cursorAfter = { since: maxWatermark(since, maxSeen ?? undefined) };
        if (missingWatermark > 0) this.context.log('warn', `${missingWatermark} records had no usable "${field}"; they do not move since`);
      }

      // An empty page is published only when it is the one that moves the cursor (the last page of a run).
      if (page.records.length > 0 || (!next && !sameCursor(cursorAfter, held))) {
        held = cursorAfter;
        const records = page.records;
        yield {
          key: `${since ?? '-'}:${ordinal}:${recordsDigest(records)}`,
          label: `page ${ordinal} since ${since ?? 'the beginning'}`,
          records: (async function* () {
            yield* records;
          })(),
          cursorAfter,
          feedbackAddress: { since, page: ordinal, url: page.url },
        };
      }
      if (!next) return;
      position = next;
      ordinal++;
    }
  }

  /**
   * POSTs the batch's rejections to the supplier's callback, retried like a read; the
   * `Idempotency-Key` lets the supplier drop a repeat of a delivery whose answer we lost. Without
   * a callback, or without rejections, there is nothing to send: the batch report holds it all.
   */
  async deliverFeedback(feedback: Feedback): Promise<void> {
    const callback = this.config.callback;
    if (!callback || feedback.rejections.length === 0) return;
    const body = JSON.stringify({
      batchId: feedback.batchId,
      label: feedback.label,
      source: feedback.address,
      received: feedback.received,
      loaded: feedback.loaded,
      rejected: feedback.rejected,
      rejections: feedback.rejections,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
      'idempotency-key': feedback.batchId,
    };
    if (this.config.callbackToken) headers.authorization = `Bearer ${this.config.callbackToken}`;
    await withRetry(
      async () => {
        const response = await this.send(callback.url, { method: 'POST', headers, body });
        await response.body?.cancel().catch(() => undefined);
        this.failOnStatus(response, 'POST', callback.url);
      },
      this.policy,
      this.retryHooks('POST', callback.url),
    );
  }

  async close(): Promise<void> {
    this.aborted.abort();
  }

  // --- requests -------------------------------------------------------------------------------

  private async getPage(since: string | null, position: Position, sizeOverride?: number): Promise<Page> {
    const url = this.pageUrl(since, position, sizeOverride);
    return withRetry(() => this.getOnce(url), this.policy, this.retryHooks('GET', url));
  }

  private async getOnce(url: string): Promise<Page> {
    const response = await this.send(url, { method: 'GET', headers: this.authHeaders() });
    this.failOnStatus(response, 'GET', url);
    const text = await this.readBody(response, url);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // A cut or garbled body is a failed request, never an empty page.
      throw new RetryableHttpError('INVALID_JSON', `GET ${url}: the body (${text.length} characters) is not complete JSON`);
    }
    const found = recordsAt(body, this.config.recordsPath);
    if (!found.ok) throw new ConnectorError('config', 'UNEXPECTED_RESPONSE', `GET ${url}: ${found.problem}`);
    return { url, body, records: found.records, link: response.headers.get('link') };
  }

  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Response> {
    const signal = AbortSignal.any([this.aborted.signal, AbortSignal.timeout(this.config.timeoutMs)]);
    try {
      // Redirects are not followed: one could carry the Authorization header to another host.
      // Only checked addresses are connected to (egress policy): a refused target is a config error.
      return await this.context.egress.fetch(url, { ...init, redirect: 'manual', signal });
    } catch (e) {
      const refused = egressRefusal(e);
      if (refused) throw new ConnectorError('config', 'EGRESS_REFUSED', `${init.method} ${url}: ${refused.message}`);
      throw this.transportError(e, `${init.method} ${url}`);
    }
  }

  private failOnStatus(response: Response, method: string, url: string): void {
    const status = response.status;
    const where = `${method} ${url}: HTTP ${status}`;
    switch (classifyStatus(status)) {
      case 'ok':
        return;
      case 'retryable':
        void response.body?.cancel().catch(() => undefined);
        throw new RetryableHttpError(`HTTP_${status}`, where, parseRetryAfter(response.headers.get('retry-after'), this.context.now()));
      case 'config': {
        void response.body?.cancel().catch(() => undefined);
        if (status >= 300 && status < 400) throw new ConnectorError('config', 'REDIRECTED', `${where} to ${response.headers.get('location') ?? '?'} (redirects are not followed)`);
        if (status === 401 || status === 403) throw new ConnectorError('config', 'AUTH_FAILED', where);
        if (status === 404) throw new ConnectorError('config', 'NOT_FOUND', where);
        throw new ConnectorError('config', `HTTP_${status}`, where);
      }
    }
  }

  /** The whole body, capped after decompression; a body cut by the network or the timeout is retryable. */
  private async readBody(response: Response, url: string): Promise<string> {
    if (!response.body) return '';
    const reader = response.body.getReader();
    const pieces: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > this.config.maxBodyBytes) {
          await reader.cancel().catch(() => undefined);
          throw new ConnectorError('config', 'PAGE_TOO_LARGE', `GET ${url}: the body exceeds ${this.config.maxBodyBytes} bytes; lower pageSize`);
        }
        pieces.push(value);
      }
    } catch (e) {
      if (e instanceof ConnectorError) throw e;
      throw this.transportError(e, `GET ${url} (reading the body)`);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(pieces));
    } catch {
      throw new RetryableHttpError('INVALID_JSON', `GET ${url}: the body is not valid UTF-8`);
    }
  }

  private transportError(e: unknown, what: string): ConnectorError {
    if (this.aborted.signal.aborted) return new ConnectorError('retryable', 'CLOSED', `${what}: the connector was closed`);
    // Duck-typed: fetch's DOMException and undici's errors may come from another realm (instanceof fails).
    const error = (typeof e === 'object' && e !== null ? e : {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown } };
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return new RetryableHttpError('TIMEOUT', `${what}: no complete answer within ${this.config.timeoutMs} ms`);
    }
    const code = typeof error.cause?.code === 'string' ? error.cause.code : typeof error.message === 'string' ? error.message : String(e);
    return new RetryableHttpError('NETWORK', `${what}: ${code}`);
  }

  private retryHooks(method: string, url: string) {
    return {
      sleep,
      onRetry: (e: RetryableHttpError, failures: number, waitMs: number) =>
        this.context.log('warn', `${method} ${url} failed (${e.code}), attempt ${failures}/${this.policy.maxAttempts}; next in ${waitMs} ms`),
    };
  }

  private authHeaders(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const auth = this.config.auth;
    switch (auth.type) {
      case 'none':
        break;
      case 'bearer':
        headers.authorization = `Bearer ${this.config.token ?? ''}`;
        break;
      case 'basic':
        headers.authorization = `Basic ${Buffer.from(`${auth.username}:${this.config.password ?? ''}`, 'utf8').toString('base64')}`;
        break;
    }
    return headers;
  }

  // --- pagination -----------------------------------------------------------------------------

  private firstPosition(): Position {
    const p = this.config.pagination;
    switch (p.mode) {
      case 'page':
        return { kind: 'page', page: p.firstPage };
      case 'offset':
        return { kind: 'offset', offset: 0 };
      case 'cursor':
        return { kind: 'token', token: null };
      case 'link':
        return { kind: 'url', url: null };
    }
  }

  /** A stored position is used only with the pagination it came from, and a stored link only on baseUrl's origin. */
  private positionFits(position: Position): boolean {
    if (position.kind !== this.firstPosition().kind) return false;
    if (position.kind !== 'url' || position.url === null) return true;
    try {
      return new URL(position.url).origin === new URL(this.config.baseUrl).origin;
    } catch {
      return false;
    }
  }

  private pageUrl(since: string | null, position: Position, sizeOverride?: number): string {
    if (position.kind === 'url' && position.url !== null) return position.url;
    const url = new URL(this.config.baseUrl.replace(/\/+$/, '') + this.config.path);
    for (const [name, value] of Object.entries(this.config.query)) url.searchParams.set(name, value);
    const incremental = this.config.incremental;
    if (incremental && since !== null) url.searchParams.set(incremental.param, sinceToSend(since, incremental.lookBackSeconds));
    const p = this.config.pagination;
    const size = String(sizeOverride ?? p.pageSize);
    switch (p.mode) {
      case 'page':
        url.searchParams.set(p.pageParam, String(position.kind === 'page' ? position.page : p.firstPage));
        url.searchParams.set(p.sizeParam, size);
        break;
      case 'offset':
        url.searchParams.set(p.offsetParam, String(position.kind === 'offset' ? position.offset : 0));
        url.searchParams.set(p.limitParam, size);
        break;
      case 'cursor':
        if (position.kind === 'token' && position.token !== null) url.searchParams.set(p.cursorParam, position.token);
        url.searchParams.set(p.sizeParam, size);
        break;
      case 'link':
        url.searchParams.set(p.sizeParam, size);
        break;
    }
    return url.toString();
  }

  /** Where the page after `page` starts, or undefined when `page` was the last one. */
  private nextPosition(position: Position, page: Page): Position | undefined {
    const p = this.config.pagination;
    const count = page.records.length;
    switch (p.mode) {
      case 'page': {
        if (count === 0 || (p.stopOnShortPage && count < p.pageSize)) return undefined;
        const current = position.kind === 'page' ? position.page : p.firstPage;
        return { kind: 'page', page: current + 1 };
      }
      case 'offset': {
        if (count === 0 || (p.stopOnShortPage && count < p.pageSize)) return undefined;
        const current = position.kind === 'offset' ? position.offset : 0;
        return { kind: 'offset', offset: current + count };
      }
      case 'cursor': {
        const raw = valueAt(page.body, p.nextCursorPath);
        if (raw === undefined || raw === null || raw === '') return undefined;
        if (typeof raw !== 'string' && typeof raw !== 'number') {
          throw new ConnectorError('config', 'UNEXPECTED_RESPONSE', `GET ${page.url}: "${p.nextCursorPath}" is not a string or number`);
        }
        const token = String(raw);
        if (position.kind === 'token' && position.token === token) {
          throw new ConnectorError('config', 'PAGINATION_LOOP', `GET ${page.url}: the supplier returned the same next cursor again`);
        }
        return { kind: 'token', token };
      }
      case 'link': {
        const next = findLink(page.link, 'next', page.url);
        if (!next) return undefined;
        if (new URL(next).origin !== new URL(this.config.baseUrl).origin) {
          // Following it would send our credentials to a host the operator never configured.
          throw new ConnectorError('config', 'FOREIGN_LINK', `GET ${page.url}: rel="next" points to another origin (${new URL(next).origin})`);
        }
        if (next === page.url) throw new ConnectorError('config', 'PAGINATION_LOOP', `GET ${page.url}: rel="next" points to the same page`);
        return { kind: 'url', url: next };
      }
    }
  }

  private parseCursor(cursor: Cursor | null): RestCursor {
    if (cursor === null) return { since: null };
    const parsed = cursorSchema.safeParse(cursor);
    if (!parsed.success) throw new ConnectorError('config', 'BAD_CURSOR', `the stored cursor is not a rest-pull cursor: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    return parsed.data;
  }
}

function sameCursor(a: RestCursor, b: RestCursor): boolean {
  return !a.resume && !b.resume && a.since === b.since;
}
