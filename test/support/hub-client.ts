/** What a supplier system or an operator does over HTTP, for the e2e tests. */
export const ADMIN_TOKEN = 'e2e-operator-token-0123456789';

export interface PushResult {
  readonly status: number;
  readonly body: Record<string, unknown> & { batchId?: string; received?: number; error?: { code: string; message: string; details: unknown[] } };
}

export async function registerSupplier(url: string, code: string, items: string[], adminToken = ADMIN_TOKEN): Promise<string> {
  const response = await fetch(`${url}/api/v1/admin/suppliers`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, name: `测试报送单位 ${code}`, items }),
  });
  const body = (await response.json()) as { apiKey?: string };
  if (response.status !== 201 || !body.apiKey) throw new Error(`register ${code}: ${response.status} ${JSON.stringify(body)}`);
  return body.apiKey;
}

export async function push(
  url: string,
  apiKey: string,
  item: string,
  body: string | Buffer,
  options: { contentType?: string; idempotencyKey?: string } = {},
): Promise<PushResult> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${apiKey}`,
    'Content-Type': options.contentType ?? 'application/json',
  };
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  const response = await fetch(`${url}/api/v1/ingest/${item}`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as PushResult['body'] };
}

export interface BatchReport {
  batchId: string;
  status: 'processing' | 'done';
  received: number;
  loaded: number;
  rejected: number;
  rejections: { index: number; sourceKey: string | null; field: string; code: string; value: string | null; message: string; hint: string }[];
  rejectionsNextOffset: number | null;
  feedback: { channel: string; state: string; attempts: number; deliveredAt: string | null; lastError: string | null } | null;
}

export async function batchReport(url: string, apiKey: string, batchId: string, query = ''): Promise<BatchReport> {
  const response = await fetch(`${url}/api/v1/ingest/batches/${batchId}${query}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  if (response.status !== 200) throw new Error(`report ${batchId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as BatchReport;
}

export async function waitForBatchDone(url: string, apiKey: string, batchId: string, timeoutMs = 120_000): Promise<BatchReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await batchReport(url, apiKey, batchId, '?limit=10000');
    if (report.status === 'done') return report;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} not done in ${timeoutMs} ms: ${JSON.stringify({ ...report, rejections: report.rejections.length })}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function querySubject(url: string, code: string): Promise<{ status: number; body: Record<string, unknown> & { records?: Record<string, unknown>[] } }> {
  const response = await fetch(`${url}/api/v1/subjects/${encodeURIComponent(code)}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** An operator call on the admin API, answered as status and JSON body. */
export async function adminCall(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/api/v1/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Runs a connector until a run ends `done`: after a crash, runs answer "busy" until the dead
 * run's lease lapses, and fail as retryable while a half-published batch waits for its timeout.
 */
export async function runConnectorUntilDone(url: string, id: string, timeoutMs = 90_000): Promise<Record<string, unknown>> {
  let run = await adminCall(url, 'POST', `/connectors/${id}/run`);
  for (const limit = Date.now() + timeoutMs; run.body.outcome !== 'done' && Date.now() < limit; ) {
    await new Promise((r) => setTimeout(r, 2_000));
    run = await adminCall(url, 'POST', `/connectors/${id}/run`);
  }
  return run.body;
}
