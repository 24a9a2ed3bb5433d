import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request must arrive whole within `deadlineMs` (issue 11: slow uploads). A client that sends a
 * body one byte a second would otherwise hold a socket, a spool file and, for ingest, a batch in
 * `receiving` for as long as it likes. Past the deadline the client is told 408 REQUEST_TIMEOUT
 * and the connection is closed; what it sent is dropped, so nothing of it is accepted (the ingest
 * stream fails and its batch is aborted, as for any broken upload).
 *
 * Node's own `server.requestTimeout` does the same but is only checked every 30 s
 * (`connectionsCheckingInterval`, fixed when Nest creates the server), so the deadline is kept here.
 */
export function requestDeadline(deadlineMs: number) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (req.complete) return next();
    const timer = setTimeout(() => {
      if (req.complete) return;
      if (!res.headersSent) {
        const seconds = Math.round(deadlineMs / 1000);
        const body = JSON.stringify({
          error: { code: 'REQUEST_TIMEOUT', message: `请求未在 ${seconds} 秒内传完，连接已关闭，本次报送未被接收`, details: [{ limitSeconds: seconds }] },
        });
        res.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
        res.end(body, () => req.destroy());
        return;
      }
      req.destroy();
    }, deadlineMs);
    timer.unref();
    const done = () => clearTimeout(timer);
    req.once('end', done);
    req.once('close', done);
    res.once('finish', done);
    next();
  };
}
