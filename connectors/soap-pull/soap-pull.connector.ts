import * as soap from 'soap';
import { z } from 'zod';
import { urlTarget } from '../../libs/security/egress-policy';
import { Connector, ConnectorContext, ConnectorError, Cursor, Feedback, ReadBatch } from '../connector.contract';
import { classifySoapError } from './soap-errors';
import { SoapPullConfig, wsdlProblems } from './soap-pull.config';
import { KEEP_TEXT, maxWatermark, recordsAt, recordsDigest, sinceToSend, valueAt, watermarkOf } from './soap-values';

/**
 * The cursor this connector hands the runtime (the same shape as rest-pull's):
 * - `since`: the mark the current run asks from. It moves only with the LAST page of a run: a
 *   supplier pages a `since` query by position, so moving `since` mid-run would renumber the
 *   pages still to come.
 * - `resume`: mid-run only: the next page, how many pages are durable, and the greatest mark
 *   seen so far. A run cut after page 3 resumes at page 4 with the same `since` (so the same
 *   batch keys), and ends by storing the greatest mark of all its pages.
 */
const cursorSchema = z.strictObject({
  since: z.string(),
  resume: z.strictObject({ page: z.int(), pagesDone: z.int().min(1), maxSeen: z.string().nullable() }).optional(),
});
type SoapCursor = z.infer<typeof cursorSchema>;

type Invoke = (args: Record<string, unknown>, options: Record<string, unknown>) => Promise<unknown[]>;

/** The WSDL has no base URI: a relative import would resolve against this, and is refused anyway. */
const STORED_WSDL_URI = 'stored-wsdl:config';

export class SoapPullConnector implements Connector {
  private client: Promise<soap.Client> | undefined;
  private readonly closed = new AbortController();
  /** axios connects through these: their lookup hands sockets only addresses the egress policy checked. */
  private readonly agents: ReturnType<ConnectorContext['egress']['nodeAgents']>;

  constructor(
    private readonly config: SoapPullConfig,
    private readonly context: ConnectorContext,
  ) {
    this.agents = context.egress.nodeAgents(config.endpoint);
  }

  /** Builds the client from the stored WSDL (no network), checks the operations exist, then calls checkOperation if configured. */
  async check(): Promise<void> {
    const client = await this.soapClient();
    const operations = this.operationNames(client);
    for (const name of [this.config.operation, this.config.feedbackOperation, this.config.checkOperation?.name]) {
      if (name !== undefined && !operations.has(name)) {
        throw new ConnectorError('config', 'UNKNOWN_OPERATION', `the stored WSDL has no operation ${name} (it has ${[...operations].join(', ') || 'none'})`);
      }
    }
    const probe = this.config.checkOperation;
    if (probe) await this.call(client, probe.name, { ...probe.arguments });
  }

  async *read(cursor: Cursor | null): AsyncIterable<ReadBatch> {
    const stored = this.parseCursor(cursor);
    const { since } = stored;
    const { incremental, paging, operation } = this.config;
    const client = await this.soapClient();
    let page = stored.resume?.page ?? paging.firstPage;
    let ordinal = stored.resume ? stored.resume.pagesDone + 1 : 1;
    let maxSeen = stored.resume?.maxSeen ?? null;
    let missingMark = 0;
    let previousDigest: string | undefined;

    for (;;) {
      if (ordinal > paging.maxPages) {
        throw new ConnectorError('config', 'TOO_MANY_PAGES', `${operation}: more than ${paging.maxPages} pages since ${since}; raise paging.maxPages or check the page parameter`);
      }
      const args: Record<string, unknown> = {
        ...this.config.arguments,
        [incremental.parameter]: sinceToSend(since, incremental.lookBackSeconds),
        [paging.pageParameter]: String(page),
      };
      if (paging.pageSizeParameter) args[paging.pageSizeParameter] = String(paging.pageSize);
      const response = await this.call(client, operation, args);
      const found = recordsAt(response, this.config.recordsPath);
      if (!found.ok) throw new ConnectorError('config', 'UNEXPECTED_RESPONSE', `${operation} page ${page}: ${found.problem}`);
      const records = found.records;

      const digest = recordsDigest(records);
      if (records.length > 0 && digest === previousDigest) {
        throw new ConnectorError('config', 'PAGING_NOT_ADVANCING', `${operation}: page ${page} repeats the previous page; is "${paging.pageParameter}" the page parameter?`);
      }
      previousDigest = digest;

      for (const record of records) {
        const mark = watermarkOf(valueAt(record, incremental.field));
        if (mark === undefined) missingMark++;
        maxSeen = maxWatermark(maxSeen, mark);
      }
      const last = records.length === 0 || (paging.stopOnShortPage && records.length < paging.pageSize);
      const cursorAfter: SoapCursor = last
        ? { since: maxWatermark(since, maxSeen ?? undefined) ?? since }
        : { since, resume: { page: page + 1, pagesDone: ordinal, maxSeen } };
      if (last && missingMark > 0) this.context.log('warn', `${missingMark} records had no usable "${incremental.field}"; they do not move the cursor`);

      // An empty page is published only when it is the one that moves the cursor (the last page of a run).
      if (records.length > 0 || (last && !sameCursor(cursorAfter, stored))) {
        yield {
          // The content digest keeps the key stable for the same data, and new when a re-read page holds other records.
          key: `${operation}:${since}:${page}:${digest}`,
          label: `${operation} page ${page} since ${since}`,
          records: (async function* () {
            yield* records;
          })(),
          cursorAfter,
          feedbackAddress: { operation, since, page },
        };
      }
      if (last) return;
      page++;
      ordinal++;
    }
  }

  /**
   * The SOAP channel's rejections are read by the supplier with the hub's GetBatchReport, so by
   * default there is nothing to send. With `feedbackOperation`, the batch's rejections are sent to
   * that supplier operation; the supplier drops a repeat by batchId (a delivery may be retried).
   */
  async deliverFeedback(feedback: Feedback): Promise<void> {
    const operation = this.config.feedbackOperation;
    if (!operation || feedback.rejections.length === 0) return;
    const client = await this.soapClient();
    await this.call(client, operation, {
      batchId: feedback.batchId,
      label: feedback.label,
      received: feedback.received,
      loaded: feedback.loaded,
      rejected: feedback.rejected,
      rejections: {
        rejection: feedback.rejections.map((r) => ({
          index: r.index,
          sourceKey: r.sourceKey ?? undefined,
          field: r.field,
          code: r.code,
          value: r.value ?? undefined,
          message: r.message,
          hint: r.hint,
        })),
      },
    });
  }

  async close(): Promise<void> {
    this.closed.abort();
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
    this.client = undefined;
  }

  private parseCursor(cursor: Cursor | null): SoapCursor {
    if (cursor === null) return { since: this.config.incremental.initialValue };
    const parsed = cursorSchema.safeParse(cursor);
    if (!parsed.success) throw new ConnectorError('config', 'INVALID_CURSOR', `the stored cursor is not a soap-pull cursor: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  /** One node-soap client per connector instance, from the WSDL text; building it touches no network. */
  private soapClient(): Promise<soap.Client> {
    this.client ??= this.buildClient();
    return this.client;
  }

  private async buildClient(): Promise<soap.Client> {
    const problems = wsdlProblems(this.config.wsdl);
    if (problems.length > 0) throw new ConnectorError('config', 'INVALID_WSDL', problems.join('; '));
    const options: soap.IOptions = {
      customDeserializer: KEEP_TEXT,
      handleNilAsNull: true,
      returnFault: true,
      disableCache: true,
      wsdl_options: {
        // Second line of defence behind the config check: node-soap would fetch (or read from disk) any import.
        overrideImportLocation: (location: string) => {
          throw new ConnectorError('config', 'INVALID_WSDL', `the stored WSDL imports ${location.slice(0, 200)}; inline it`);
        },
      },
    };
    let client: soap.Client;
    try {
      const wsdl = new soap.WSDL(this.config.wsdl, STORED_WSDL_URI, options);
      await new Promise<void>((resolve, reject) => wsdl.onReady((err) => (err ? reject(err) : resolve())));
      client = new soap.Client(wsdl, this.config.endpoint, options);
    } catch (e) {
      this.client = undefined;
      if (e instanceof ConnectorError) throw e;
      throw new ConnectorError('config', 'INVALID_WSDL', `the stored WSDL cannot be read: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}`);
    }
    if (this.config.username !== undefined && this.config.password !== undefined) {
      client.setSecurity(
        new soap.WSSecurity(this.config.username, this.config.password, {
          passwordType: this.config.passwordType,
          hasNonce: this.config.passwordType === 'PasswordDigest',
          hasTimeStamp: false,
        }),
      );
    }
    return client;
  }

  private operationNames(client: soap.Client): Set<string> {
    const names = new Set<string>();
    const services = client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    for (const ports of Object.values(services)) for (const operations of Object.values(ports)) for (const name of Object.keys(operations)) names.add(name);
    return names;
  }

  /** One request with a hard deadline (body included) and a size cap; every failure leaves as a classed ConnectorError. */
  private async call(client: soap.Client, operation: string, args: Record<string, unknown>): Promise<unknown> {
    const what = `${operation} at ${this.config.endpoint}`;
    const candidate: unknown = client[`${operation}Async`];
    if (typeof candidate !== 'function') throw new ConnectorError('config', 'UNKNOWN_OPERATION', `the stored WSDL has no operation ${operation}`);
    const invoke = (candidate as Invoke).bind(client);
    const deadline = AbortSignal.timeout(this.config.timeoutMs);
    try {
      // An IP literal never reaches the agents' lookup: it is checked here.
      await this.context.egress.checkLiteral(urlTarget(this.config.endpoint));
      const [result] = await invoke(args, {
        ...this.agents,
        // axios options: `timeout` alone is an idle timer (a trickling body never trips it), hence the signal too.
        timeout: this.config.timeoutMs,
        signal: AbortSignal.any([this.closed.signal, deadline]),
        maxContentLength: this.config.maxResponseBytes,
        maxBodyLength: 64 * 1024 * 1024,
        maxRedirects: 0,
      });
      if (result === undefined || result === null) {
        throw new ConnectorError('config', 'UNEXPECTED_RESPONSE', `${what}: the response has no ${operation} output element`);
      }
      return result;
    } catch (e) {
      throw classifySoapError(e, what, { timeoutMs: this.config.timeoutMs, closed: this.closed.signal.aborted, timedOut: deadline.aborted });
    }
  }
}

function sameCursor(a: SoapCursor, b: SoapCursor): boolean {
  return a.since === b.since && a.resume === undefined && b.resume === undefined;
}
