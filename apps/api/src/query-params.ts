import { ApiError } from '../../../libs/http/api-error';

/** Query-string readers of the HTTP edge: a bad value is 400 INVALID_REQUEST naming the parameter. */

export function boundedInt(raw: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(400, 'INVALID_REQUEST', `参数 ${name} 应为 ${min} 到 ${max} 之间的整数`, [{ path: name }]);
  }
  return n;
}

/** `?offset&limit` paging: offset ≥ 0, 1 ≤ limit ≤ maxLimit (default 100). */
export function pageParams(
  offset: string | undefined,
  limit: string | undefined,
  { defaultLimit = 100, maxLimit = 1000 }: { defaultLimit?: number; maxLimit?: number } = {},
): { offset: number; limit: number } {
  return {
    offset: boundedInt(offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset'),
    limit: boundedInt(limit, defaultLimit, 1, maxLimit, 'limit'),
  };
}

export function enumParam<T extends string>(raw: string | undefined, values: readonly T[], name: string): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  if ((values as readonly string[]).includes(raw)) return raw as T;
  throw new ApiError(400, 'INVALID_REQUEST', `参数 ${name} 应为 ${values.join('、')} 之一`, [{ path: name }]);
}

export function booleanParam(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ApiError(400, 'INVALID_REQUEST', `参数 ${name} 应为 true 或 false`, [{ path: name }]);
}
