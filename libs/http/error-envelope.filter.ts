import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isTransientDatabaseError } from '../persistence/database-errors';
import { maskPersonalIdsInText } from '../domain/identity';
import { ApiError, STATUS_BY_CODE } from './api-error';

interface Envelope {
  error: { code: string; message: string; details: unknown[] };
}

const HTTP_CODES: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', '请求无效'],
  401: ['UNAUTHENTICATED', '未认证或凭据无效'],
  403: ['FORBIDDEN', '无权访问'],
  404: ['NOT_FOUND', '资源不存在'],
  405: ['METHOD_NOT_ALLOWED', '不支持该请求方法'],
  413: ['BODY_TOO_LARGE', '请求体过大'],
  415: ['UNSUPPORTED_MEDIA_TYPE', '不支持的内容类型'],
};

/**
 * Every 4xx/5xx leaves in one shape: {"error": {"code", "message", "details"}} with a Chinese
 * message. Stack traces and raw driver messages never reach the caller.
 */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly log = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, envelope] = this.toEnvelope(exception);
    if (status >= 500) {
      this.log.error(maskPersonalIdsInText(`${envelope.error.code}: ${(exception as Error)?.stack ?? String(exception)}`));
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (status === 503) response.setHeader('Retry-After', '5');
    response.status(status).json(envelope);
  }

  private toEnvelope(exception: unknown): [number, Envelope] {
    if (exception instanceof ApiError) {
      return [exception.status, envelope(exception.code, exception.message, exception.details)];
    }
    const coded = exception as { code?: unknown; message?: string; details?: unknown[] };
    if (typeof coded?.code === 'string' && STATUS_BY_CODE[coded.code] !== undefined) {
      return [STATUS_BY_CODE[coded.code], envelope(coded.code, coded.message ?? '', coded.details ?? [])];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const [code, message] = HTTP_CODES[status] ?? ['HTTP_ERROR', '请求失败'];
      // body-parser reports an oversize or unparsable JSON body as an HttpException-like error
      return [status, envelope(code, message, [])];
    }
    const parserError = exception as { type?: string; status?: number };
    if (parserError?.type === 'entity.too.large') return [413, envelope('BODY_TOO_LARGE', '请求体过大', [])];
    if (parserError?.type === 'entity.parse.failed') return [400, envelope('MALFORMED_BODY', '请求体不是有效的 JSON', [])];
    if (isTransientDatabaseError(exception)) {
      return [503, envelope('DATABASE_UNAVAILABLE', '数据库暂不可用，请稍后重试', [])];
    }
    return [500, envelope('INTERNAL_ERROR', '服务器内部错误', [])];
  }
}

function envelope(code: string, message: string, details: unknown[]): Envelope {
  return { error: { code, message, details } };
}
