import { z } from 'zod';

const secret = (description: string) => z.string().min(1).meta({ writeOnly: true, description });
const param = (fallback: string) => z.string().min(1).max(100).default(fallback);
const pageSize = z.int().min(1).max(10_000).meta({ description: 'Records asked for per page; must not exceed what the supplier serves' });
const stopOnShortPage = z
  .boolean()
  .default(true)
  .meta({ description: 'A page with fewer than pageSize records is the last one. Set false if the supplier caps the page size silently: the run then ends on an empty page.' });

const paginationSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('page'), pageParam: param('page'), sizeParam: param('page_size'), firstPage: z.int().min(0).default(1), pageSize, stopOnShortPage }),
  z.strictObject({ mode: z.literal('offset'), offsetParam: param('offset'), limitParam: param('limit'), pageSize, stopOnShortPage }),
  z.strictObject({
    mode: z.literal('cursor'),
    cursorParam: param('cursor'),
    /** Where the next page's token is in the JSON body; absent, null or "" ends the run. */
    nextCursorPath: z.string().min(1).max(200),
    sizeParam: param('limit'),
    pageSize,
  }),
  /** `Link: <…>; rel="next"` (RFC 8288); only links to baseUrl's own origin are followed. */
  z.strictObject({ mode: z.literal('link'), sizeParam: param('per_page'), pageSize }),
]);

export const restPullConfigSchema = z
  .strictObject({
    baseUrl: z.url({ protocol: /^https?$/ }).meta({ description: 'Scheme, host and base path, e.g. https://api.supplier.gov.cn/open' }),
    path: z.string().startsWith('/').max(2000),
    /** Fixed query parameters sent with every first request (not secrets: they appear in logs). */
    query: z.record(z.string().min(1), z.string()).default({}),
    /** The secrets sit at the top level (`token`, `password`): `secretFields` names them there. */
    auth: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('none') }),
      z.strictObject({ type: z.literal('bearer') }),
      z.strictObject({ type: z.literal('basic'), username: z.string().min(1).max(200) }),
    ]),
    token: secret('Bearer token (auth.type = bearer)').optional(),
    password: secret('Password (auth.type = basic)').optional(),
    pagination: paginationSchema,
    incremental: z
      .strictObject({
        param: param('since'),
        /** The record field whose greatest value becomes the next run's `since` (dot path allowed). */
        field: z.string().min(1).max(200).default('updated_at'),
        /** Ask again from `since` minus this window, for records the supplier commits late. */
        lookBackSeconds: z.int().min(0).max(7 * 24 * 3600).default(0),
      })
      .optional(),
    /** Dot path of the records array in the JSON body (`data.items`); "" when the body is the array. */
    recordsPath: z.string().max(200).default(''),
    retry: z
      .strictObject({
        maxAttempts: z.int().min(1).max(20).default(5),
        baseDelayMs: z.int().min(1).max(600_000).default(500),
        maxDelayMs: z.int().min(1).max(600_000).default(30_000),
        maxRetryAfterMs: z.int().min(0).max(3_600_000).default(120_000),
      })
      .prefault({}),
    /** Per request, body included. */
    timeoutMs: z.int().min(100).max(600_000).default(30_000),
    /** Cap on a page's body after decompression. */
    maxBodyBytes: z.int().min(1024).max(1024 ** 3).default(50 * 1024 ** 2),
    /** Where rejections are POSTed; without it the supplier reads them from the batch report. */
    callback: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
    callbackToken: secret('Bearer token for the callback').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.auth.type === 'bearer' && !c.token) ctx.addIssue({ code: 'custom', path: ['token'], message: 'auth.type bearer needs a token' });
    if (c.auth.type === 'basic' && !c.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'auth.type basic needs a password' });
    if (c.callbackToken && !c.callback) ctx.addIssue({ code: 'custom', path: ['callbackToken'], message: 'callbackToken without a callback' });
  });

export type RestPullConfig = z.infer<typeof restPullConfigSchema>;
export type RestPagination = RestPullConfig['pagination'];
