import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as soap from 'soap';
import { maskPersonalIdsInText } from '../../../../libs/domain/identity';
import { bearerToken, hashApiKey } from '../../../../libs/http/api-key';
import type { Supplier } from '../../../../libs/persistence/supplier.repository';
import type { RecordsBatch, Receipt } from '../../../../libs/pipeline/ingest/ingest.service';
import type { BatchReport, BatchViewer } from '../../../../libs/pipeline/reports/batch-report.service';
import { readSoapBody, SOAP_AUTH_PREFIX_BYTES, usernameTokenIn } from './soap-body';
import { faultFrom, faults, renderFault, SoapFault } from './soap-fault';
import { parseGetBatchReport, parseSubmitRecords, reportResponse } from './soap-messages';
import { readForbiddenCharRefs } from './xml-char-refs';

export const SOAP_INGEST_PATH = '/soap/v1/ingest';
const WSDL_ADDRESS = 'http://localhost/soap/v1/ingest';
const SOAP_CHANNEL = 'soap-push';

/** The narrow slices of the services the SOAP edge needs (IngestService, BatchReportService, SupplierRepository fit). */
export interface SoapIngestDeps {
  readonly ingest: { submitRecords(batch: RecordsBatch): Promise<Receipt> };
  readonly reports: { report(batchId: string, viewer: BatchViewer, page: { offset: number; limit: number }): Promise<BatchReport> };
  readonly suppliers: { findByApiKeyHash(hash: string): Promise<Supplier | undefined> };
  /** Cap on the request body after decompression. node-soap holds the whole message as objects: keep it modest. */
  readonly maxBodyBytes: number;
  readonly log: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  /** The address written into the served WSDL; by default the one the WSDL was requested from. */
  readonly publicUrl?: string;
  readonly recordsReceived?: { inc(labels: { supplier: string; item: string }, value: number): void };
}

/** `express()` or Nest's NestExpressApplication: anything that mounts a middleware on a path. */
export interface MountTarget {
  use(path: string, handler: RequestHandler): unknown;
}

/** What one HTTP request carries into node-soap's operation handlers (through the serverless request's `connection`). */
interface SoapCall {
  supplier: Supplier | undefined;
  /** What an operation threw: node-soap's rendering of it is discarded, ours is sent. */
  failure?: { readonly error: unknown };
}
const CALL = Symbol('soap-call');
interface CallCarrier {
  readonly connection?: { readonly [CALL]?: SoapCall };
}

/**
 * Serves the hub's SOAP push (API.md): GET /soap/v1/ingest?wsdl and POST /soap/v1/ingest with
 * SubmitRecords and GetBatchReport. node-soap only parses and dispatches (its serverless
 * `processRequest`); reading the body, authentication, faults and the HTTP answer are ours,
 * so every refusal carries a hub code and no node-soap text or stack reaches a supplier.
 * Call it, and await it, before the Nest app listens: middleware added later would sit behind Nest's 404.
 */
export async function mountSoapIngest(app: MountTarget, deps: SoapIngestDeps): Promise<{ readonly path: string; readonly wsdl: string }> {
  const wsdl = readFileSync(wsdlPath(), 'utf8');
  const server = await soapServer(wsdl, deps);
  const handler = (req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/') return next();
    void handle(req, res, server, wsdl, deps).catch(next);
  };
  app.use(SOAP_INGEST_PATH, handler);
  return { path: SOAP_INGEST_PATH, wsdl };
}

function wsdlPath(): string {
  const beside = join(__dirname, 'ingest.wsdl');
  return existsSync(beside) ? beside : resolve(__dirname, '../../../../../apps/api/src/soap/ingest.wsdl');
}

async function handle(req: Request, res: Response, server: soap.Server, wsdl: string, deps: SoapIngestDeps): Promise<void> {
  const search = new URL(req.originalUrl, 'http://hub').search.toLowerCase();
  if ((req.method === 'GET' || req.method === 'HEAD') && search.startsWith('?wsdl')) {
    res.status(200).type('text/xml; charset=utf-8').send(wsdl.replace(WSDL_ADDRESS, xmlAttr(deps.publicUrl ?? addressOf(req))));
    return;
  }
  if (req.method !== 'POST') {
    res.status(405).setHeader('Allow', 'GET, POST');
    res.type('text/plain; charset=utf-8').send('WSDL: GET ?wsdl；SOAP 请求：POST');
    return;
  }
  const call: SoapCall = { supplier: undefined };
  try {
    if (!isXmlMediaType(req.headers['content-type'])) {
      throw new SoapFault('Client', 'UNSUPPORTED_MEDIA_TYPE', 'SOAP 请求的 Content-Type 应为 text/xml 或 application/soap+xml');
    }
    // A key in an HTTP header is checked before a byte of the body is read.
    const headerKey = apiKeyFromHeaders(req);
    if (headerKey !== undefined) {
      call.supplier = await deps.suppliers.findByApiKeyHash(hashApiKey(headerKey));
      if (!call.supplier) throw faults.unauthenticated();
    }
    // Without one, the UsernameToken is read from the message's first bytes and checked before the rest is inflated or parsed.
    const xml = readForbiddenCharRefs(
      await readSoapBody(
        req,
        deps.maxBodyBytes,
        call.supplier
          ? undefined
          : async (prefix) => {
              call.supplier = await supplierFromPrefix(prefix, deps);
            },
      ),
    );
    const reply = await server.processRequest(xml, {
      method: 'POST',
      url: req.originalUrl,
      headers: req.headers,
      connection: { remoteAddress: req.socket.remoteAddress, [CALL]: call },
    });
    if (call.failure) throw call.failure.error;
    // node-soap's own refusals (unparsable XML, an element that is no operation of this WSDL) leave without its text.
    if (reply.statusCode !== 200) throw faults.malformed('请求不是本 WSDL 定义的有效 SOAP 消息');
    res.status(200).type('text/xml; charset=utf-8').send(reply.body);
  } catch (error) {
    sendFault(req, res, faultFrom(error), error, deps);
  }
}

function sendFault(req: Request, res: Response, fault: SoapFault, cause: unknown, deps: SoapIngestDeps): void {
  if (fault.code === 'INTERNAL_ERROR') {
    deps.log.error(maskPersonalIdsInText(`SOAP ${fault.code}: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`));
  } else {
    deps.log.warn(`SOAP fault ${fault.side} ${fault.code} for ${req.socket.remoteAddress ?? '?'}`);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The body may not have been read to its end (cap, DOCTYPE, bad key): do not keep reading it for keep-alive.
  if (!req.complete) res.setHeader('Connection', 'close');
  if (fault.side === 'Server') res.setHeader('Retry-After', '5');
  res.status(fault.httpStatus).type('text/xml; charset=utf-8').send(renderFault(fault));
}

function soapServer(wsdl: string, deps: SoapIngestDeps): Promise<soap.Server> {
  const services: soap.IServices = {
    IngestService: {
      IngestPort: {
        SubmitRecords: (args: unknown, _cb: unknown, headers: unknown, req: unknown) =>
          operation(req, headers, deps, async (supplier) => {
            const request = parseSubmitRecords(args);
            const receipt = await deps.ingest.submitRecords({
              supplier,
              itemCode: request.item,
              channel: SOAP_CHANNEL,
              idempotencyKey: request.requestId,
              records: toAsync(request.records),
            });
            if (!receipt.replayed) deps.recordsReceived?.inc({ supplier: supplier.code, item: request.item }, receipt.received);
            deps.log.log(`SOAP SubmitRecords ${supplier.code}/${request.item}: batch ${receipt.batchId}, ${receipt.received} records${receipt.replayed ? ' (replayed)' : ''}`);
            return { batchId: receipt.batchId, received: receipt.received, replayed: receipt.replayed };
          }),
        GetBatchReport: (args: unknown, _cb: unknown, headers: unknown, req: unknown) =>
          operation(req, headers, deps, async (supplier) => {
            const request = parseGetBatchReport(args);
            // Only the owning supplier: another's batch is reported as missing (BatchReportService).
            const report = await deps.reports.report(request.batchId, { kind: 'supplier', supplierId: supplier.id }, request);
            return reportResponse(report);
          }),
      },
    },
  };
  return new Promise((done, fail) => {
    soap.listen(null, {
      path: SOAP_INGEST_PATH,
      services,
      xml: wsdl,
      suppressStack: true,
      returnFault: true,
      handleNilAsNull: true,
      callback: (err: unknown, server: soap.Server) => (err ? fail(err instanceof Error ? err : new Error(String(err))) : done(server)),
    });
  });
}

/** Authenticates, runs, and turns any failure into the call's fault (node-soap only learns that it failed). */
async function operation(
  req: unknown,
  soapHeaders: unknown,
  deps: SoapIngestDeps,
  run: (supplier: Supplier) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const call = (req as CallCarrier | null)?.connection?.[CALL];
  if (!call) throw new Error('SOAP operation called outside mountSoapIngest');
  try {
    call.supplier ??= await supplierFromUsernameToken(soapHeaders, deps);
    return await run(call.supplier);
  } catch (error) {
    call.failure = { error };
    throw error;
  }
}

/** WS-Security UsernameToken: Username = supplier code, Password (PasswordText) = the supplier's API key. */
async function supplierFromUsernameToken(soapHeaders: unknown, deps: SoapIngestDeps): Promise<Supplier> {
  const token = (soapHeaders as { Security?: { UsernameToken?: { Username?: unknown; Password?: unknown } } } | null)?.Security?.UsernameToken;
  if (!token) throw faults.unauthenticated('缺少凭据：请使用 WS-Security UsernameToken，或在 Authorization: Bearer / X-Api-Key 请求头中提供 API Key');
  const password = token.Password as { $value?: unknown; attributes?: { Type?: unknown } } | string | undefined;
  const type = typeof password === 'object' ? password.attributes?.Type : undefined;
  if (typeof type === 'string' && !type.endsWith('#PasswordText')) throw faults.unauthenticated('仅支持 PasswordText 类型的 UsernameToken 密码');
  const key = typeof password === 'object' ? password.$value : password;
  if (typeof token.Username !== 'string' || typeof key !== 'string' || key === '') throw faults.unauthenticated();
  const supplier = await deps.suppliers.findByApiKeyHash(hashApiKey(key));
  if (!supplier || supplier.code !== token.Username.trim()) throw faults.unauthenticated();
  return supplier;
}

async function supplierFromPrefix(prefix: string, deps: SoapIngestDeps): Promise<Supplier> {
  const token = usernameTokenIn(prefix);
  if (!token) {
    throw faults.unauthenticated(
      `缺少凭据：请在 SOAP Header 中提供 WS-Security UsernameToken（须位于请求开头 ${SOAP_AUTH_PREFIX_BYTES} 字节内），或在 Authorization: Bearer / X-Api-Key 请求头中提供 API Key`,
    );
  }
  if (token.type !== undefined && !token.type.endsWith('#PasswordText')) throw faults.unauthenticated('仅支持 PasswordText 类型的 UsernameToken 密码');
  if (token.username === '' || token.password === '') throw faults.unauthenticated();
  const supplier = await deps.suppliers.findByApiKeyHash(hashApiKey(token.password));
  if (!supplier || supplier.code !== token.username) throw faults.unauthenticated();
  return supplier;
}

function apiKeyFromHeaders(req: Request): string | undefined {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer) return bearer;
  const header = req.headers['x-api-key'];
  const key = (Array.isArray(header) ? header[0] : header)?.trim();
  return key ? key : undefined;
}

function isXmlMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'text/xml' || type === 'application/soap+xml' || type === 'application/xml';
}

/** The address clients should post to, as they reached us (trust proxy decides whether X-Forwarded-* count). */
function addressOf(req: Request): string {
  const host = req.get('host') ?? '';
  const safeHost = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? host : 'localhost';
  return `${req.protocol}://${safeHost}${SOAP_INGEST_PATH}`;
}

function xmlAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
