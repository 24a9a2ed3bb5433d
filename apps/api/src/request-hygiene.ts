import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../../../libs/http/api-error';
import { findRequestTextProblem, findUnstorableBodyField, parameterAt, RequestTextProblem } from '../../../libs/http/request-text';
import type { QueryContext, QueryKind, SubjectQueryService } from '../../../libs/pipeline/query/subject-query.service';
import type { QueryContextFactory } from './query/query-context.factory';

/** The query edge (第十九条: every call is logged, refused ones too): method, route template, kind of look. */
const QUERY_ROUTES: ReadonlyArray<{ method: string; template: string; kind: QueryKind; subjectParam?: string; referenceParam?: string }> = [
  { method: 'GET', template: '/api/v1/subjects/:code', kind: 'subject', subjectParam: 'code' },
  { method: 'GET', template: '/api/v1/subjects/:code/lists', kind: 'lists', subjectParam: 'code' },
  { method: 'GET', template: '/api/v1/subjects/:code/report', kind: 'report', subjectParam: 'code' },
  { method: 'POST', template: '/api/v1/subjects/batch-query', kind: 'batch' },
  { method: 'GET', template: '/api/v1/reports/:reportNo/verification', kind: 'report_verification', referenceParam: 'reportNo' },
];

export interface RequestHygieneDeps {
  readonly queries: SubjectQueryService;
  readonly contexts: QueryContextFactory;
}

/**
 * 400 INVALID_REQUEST for a path segment, query parameter or data header holding text the hub
 * cannot store (NUL, lone surrogate, C0 control, percent-encoding that is not UTF-8), on every
 * route, before routing: no handler, driver or log ever sees it. `details` names the parameter.
 * At the query edge the refusal is written to the query log first (a safe rendering of the value).
 */
export function requestTextHygiene(deps: RequestHygieneDeps): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const problem = findRequestTextProblem(req.originalUrl, req.headers);
    if (problem === undefined) return next();
    const segments = pathSegments(req.originalUrl);
    const field = problem.in === 'path' ? (parameterOf(req, segments, problem.segment ?? 0) ?? 'path') : (problem.field ?? problem.in);
    refuse(deps, req, field, problem, segments).then(next, next);
  };
}

/** The same refusal for a parsed JSON body of a non-ingest endpoint (e.g. batch-query `codes`), naming the field. */
export function bodyTextHygiene(deps: RequestHygieneDeps): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const field = findUnstorableBodyField(req.body);
    if (field === undefined) return next();
    refuse(deps, req, field, undefined, pathSegments(req.originalUrl)).then(next, next);
  };
}

async function refuse(deps: RequestHygieneDeps, req: Request, field: string, problem: RequestTextProblem | undefined, segments: string[]): Promise<ApiError> {
  const route = QUERY_ROUTES.find((r) => r.method === req.method && matches(r.template, segments));
  if (route !== undefined) {
    const parts = route.template.split('/').slice(1);
    const raw = (name: string | undefined) => (name === undefined ? undefined : segments[parts.indexOf(`:${name}`)]);
    const subject = route.kind === 'batch' ? batchCode(req.body, field) : lenientDecode(raw(route.subjectParam) ?? '');
    const reference = route.referenceParam ? lenientDecode(raw(route.referenceParam) ?? '').slice(0, 64) : null;
    // Throws QUERY_LOG_UNAVAILABLE when the row cannot be committed: then that is the answer.
    await deps.queries.logRefusedRequest(await contextOf(deps, req, route.kind, reference), subject.slice(0, 64));
  }
  const where = problem?.in === 'header' ? '请求头' : problem === undefined ? '请求体字段' : '请求参数';
  return new ApiError(400, 'INVALID_REQUEST', `${where} ${field} 含有无法处理的字符（NUL、孤立代理项、控制字符或非 UTF-8 编码）`, [{ field }]);
}

/** Who asked, for the log row; a caller whose credentials do not resolve is logged as anonymous. */
async function contextOf(deps: RequestHygieneDeps, req: Request, kind: QueryKind, reference: string | null): Promise<QueryContext> {
  try {
    return await deps.contexts.forRequest(req, kind, { subjectCodes: [], reference });
  } catch {
    return { caller: { kind: 'public' }, callerId: null, clientAddress: req.ip ?? null, queryKind: kind, reference };
  }
}

function batchCode(body: unknown, field: string): string {
  const index = /^codes\.(\d+)$/.exec(field)?.[1];
  const codes = (body as { codes?: unknown } | null)?.codes;
  const code = index !== undefined && Array.isArray(codes) ? (codes as unknown[])[Number(index)] : undefined;
  return typeof code === 'string' ? code : '';
}

/** Percent-decoded when the encoding is valid (the log renders what cannot be stored), else as sent (ASCII). */
function lenientDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function pathSegments(url: string): string[] {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).split('/').slice(1);
}

function matches(template: string, segments: readonly string[]): boolean {
  const parts = template.split('/').slice(1);
  return parts.length === segments.length && parts.every((p, i) => p.startsWith(':') || lenientDecode(segments[i]) === p);
}

/** The name of the route parameter the bad segment fills, from the routes the app registered. */
function parameterOf(req: Request, segments: readonly string[], index: number): string | undefined {
  const stack = (req.app as unknown as { router?: { stack?: Array<{ route?: { path?: unknown; methods?: Record<string, boolean> } }> } }).router?.stack ?? [];
  const method = req.method.toLowerCase();
  for (const layer of stack) {
    const path = layer.route?.path;
    if (typeof path !== 'string' || !(layer.route?.methods?.[method] || layer.route?.methods?._all)) continue;
    const name = parameterAt(path, segments, index);
    if (name !== undefined) return name;
  }
  return undefined;
}
