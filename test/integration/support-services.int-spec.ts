/**
 * Proves the fault-test helpers in test/support: a throwaway PostgreSQL and RabbitMQ that a
 * test file owns (so it may stop, crash and restart them) and a TCP proxy that cuts links.
 * Start/stop durations are printed at the end of the file.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect } from 'amqplib';
import { Client } from 'pg';

import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/pg-cluster';
import { isPortOpen, sleep } from '../support/process-utils';
import { startThrowawayRabbit, type ThrowawayRabbit } from '../support/rabbit-node';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const timings: string[] = [];

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  timings.push(`${label}: ${Math.round(performance.now() - t0)} ms`);
  return result;
}

afterAll(() => {
  console.info(`throwaway service timings\n  ${timings.join('\n  ')}`);
});

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} did not start (see beforeAll)`);
  return value;
}

describe('startThrowawayPostgres', () => {
  let pg: ThrowawayPostgres | undefined;
  const server = (): ThrowawayPostgres => defined(pg, 'throwaway PostgreSQL');

  beforeAll(async () => {
    pg = await timed('postgres: initdb + first start', () => startThrowawayPostgres());
  }, 90_000);

  afterAll(async () => {
    await pg?.destroy();
  }, 60_000);

  async function query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const client = new Client({ connectionString: server().url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  it('serves its own loopback port and PGDATA, not the shared cluster on 5432', async () => {
    const { url, port, dataDir } = server();
    expect(port).not.toBe(5432);
    expect(url).toBe(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(fs.existsSync(`${dataDir}/PG_VERSION`)).toBe(true);
    const [row] = await query<{ fsync: string; listen: string }>(
      "SELECT current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen",
    );
    expect(row).toEqual({ fsync: 'on', listen: '127.0.0.1' });
  });

  it('keeps a committed row across stop() and start() on the same port and data', async () => {
    const portBefore = server().port;
    await query('CREATE TABLE survives_stop (id int PRIMARY KEY, note text NOT NULL)');
    await query("INSERT INTO survives_stop VALUES (1, 'before stop')");

    await timed('postgres: stop (fast)', () => server().stop());
    expect(server().isRunning()).toBe(false);
    expect(await isPortOpen(portBefore)).toBe(false);

    await timed('postgres: start after stop', () => server().start());
    expect(server().port).toBe(portBefore);
    await expect(query('SELECT id, note FROM survives_stop')).resolves.toEqual([{ id: 1, note: 'before stop' }]);
  }, 90_000);

  it('recovers a committed row after kill() (SIGKILL of the postmaster) and start()', async () => {
    await query('CREATE TABLE survives_crash (id int PRIMARY KEY, note text NOT NULL)');
    await query("INSERT INTO survives_crash VALUES (1, 'committed before crash')");
    const open = new Client({ connectionString: server().url });
    open.on('error', () => undefined);
    await open.connect();

    await timed('postgres: kill (SIGKILL)', () => server().kill());
    expect(server().isRunning()).toBe(false);
    // The backend serving the open session died with its postmaster.
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await open.end().catch(() => undefined);

    await timed('postgres: start after kill (crash recovery)', () => server().start());
    await expect(query('SELECT id, note FROM survives_crash')).resolves.toEqual([
      { id: 1, note: 'committed before crash' },
    ]);
    expect(fs.readFileSync(server().logFile, 'utf8')).toMatch(/not properly shut down; automatic recovery in progress/);
  }, 90_000);

  it('destroy() deletes the cluster folder and may be called twice', async () => {
    const other = await timed('postgres: initdb + first start (second cluster)', () => startThrowawayPostgres());
    const root = other.dataDir.replace(/\/data$/, '');
    await other.destroy();
    await other.destroy();
    expect(fs.existsSync(root)).toBe(false);
    expect(await isPortOpen(other.port)).toBe(false);
  }, 90_000);
});

describe('startThrowawayRabbit', () => {
  let rabbit: ThrowawayRabbit | undefined;
  const node = (): ThrowawayRabbit => defined(rabbit, 'throwaway RabbitMQ');

  beforeAll(async () => {
    rabbit = await timed('rabbitmq: first start', () => startThrowawayRabbit());
  }, 120_000);

  afterAll(async () => {
    await rabbit?.destroy();
  }, 60_000);

  async function declareQuorumQueue(queue: string): Promise<void> {
    const conn = await connect(node().url);
    conn.on('error', () => undefined);
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    } finally {
      await conn.close();
    }
  }

  async function publishConfirmed(queue: string, body: string): Promise<void> {
    const conn = await connect(node().url);
    conn.on('error', () => undefined);
    try {
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue(queue, Buffer.from(body), { persistent: true });
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
  }

  /** Fetches and acks one message; retries while the restarted queue elects its leader. */
  async function getOne(queue: string, timeoutMs = 20_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const conn = await connect(node().url);
      conn.on('error', () => undefined);
      try {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        const msg = await ch.get(queue, { noAck: false });
        if (msg !== false) {
          ch.ack(msg);
          await ch.close();
          return msg.content.toString();
        }
      } catch {
        // queue not available yet after the restart
      } finally {
        await conn.close().catch(() => undefined);
      }
      await sleep(250);
    }
    return undefined;
  }

  it('runs as its own node, port and cookie, with the quorum_queue feature flag enabled', async () => {
    expect(node().nodeName).toMatch(/^hubtest-[0-9a-f]{8}@localhost$/);
    expect(node().port).not.toBe(5672);
    expect(node().url).toBe(`amqp://guest:guest@127.0.0.1:${node().port}`);
    const flags = JSON.parse(await node().ctl(['list_feature_flags', 'name', 'state', '--formatter', 'json', '--quiet'])) as {
      name: string;
      state: string;
    }[];
    expect(flags).toContainEqual({ name: 'quorum_queue', state: 'enabled' });
    const plugins = await node().ctl(['eval', 'rabbit_plugins:active().']);
    expect(plugins.trim()).toBe('[]');
  }, 60_000);

  it('keeps a confirmed persistent message in a durable quorum queue across stop() and start()', async () => {
    await declareQuorumQueue('support.survives-stop');
    await publishConfirmed('support.survives-stop', 'sent before stop');

    await timed('rabbitmq: stop (rabbitmqctl stop)', () => node().stop());
    expect(node().isRunning()).toBe(false);
    expect(await isPortOpen(node().port)).toBe(false);

    await timed('rabbitmq: start after stop', () => node().start());
    await expect(getOne('support.survives-stop')).resolves.toBe('sent before stop');
  }, 180_000);

  it('keeps a confirmed persistent message in a durable quorum queue across kill() and start(), leaving the shared node alone', async () => {
    const sharedUpBefore = await isPortOpen(5672);
    await declareQuorumQueue('support.survives-kill');
    // Without this, a crash within ~0.5 s of the declaration loses the queue (see flushMetadata).
    await node().flushMetadata();
    await publishConfirmed('support.survives-kill', 'sent before kill');

    await timed('rabbitmq: kill (SIGKILL beam.smp)', () => node().kill());
    expect(node().isRunning()).toBe(false);
    expect(await isPortOpen(node().port)).toBe(false);
    expect(await isPortOpen(5672)).toBe(sharedUpBefore);

    await timed('rabbitmq: start after kill', () => node().start());
    await expect(getOne('support.survives-kill')).resolves.toBe('sent before kill');
  }, 180_000);
});

describe('startTcpProxy', () => {
  let echo: net.Server | undefined;
  let proxy: TcpProxy | undefined;
  const px = (): TcpProxy => defined(proxy, 'tcp proxy');

  beforeAll(async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.pipe(socket);
    });
    echo = server;
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('echo server has no port');
    proxy = await startTcpProxy(address.port);
  });

  afterAll(async () => {
    await proxy?.close();
    const server = echo;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function openClient(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: px().port });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  function roundTrip(socket: net.Socket, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let got = '';
      const onData = (chunk: Buffer): void => {
        got += chunk.toString();
        if (got.length >= text.length) {
          socket.off('data', onData);
          resolve(got);
        }
      };
      socket.on('data', onData);
      socket.once('close', () => reject(new Error(`socket closed after ${JSON.stringify(got)}`)));
      socket.write(text);
    });
  }

  function closed(socket: net.Socket): Promise<void> {
    return new Promise((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });
  }

  it('forwards bytes both ways between the client and the target', async () => {
    const socket = await openClient();
    socket.on('error', () => undefined);
    await expect(roundTrip(socket, 'ping through the proxy')).resolves.toBe('ping through the proxy');
    expect(px().connectionCount()).toBe(1);
    socket.destroy();
    await closed(socket);
  });

  it('cutAll() closes the open client socket', async () => {
    const socket = await openClient();
    const errors: string[] = [];
    socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
    await roundTrip(socket, 'hello');

    px().cutAll();

    await closed(socket);
    expect(socket.destroyed).toBe(true);
    expect(errors).toEqual(['ECONNRESET']);
    expect(px().connectionCount()).toBe(0);
  });

  it('pause() refuses new connections until resume()', async () => {
    px().pause();
    const refused = net.connect({ host: '127.0.0.1', port: px().port });
    refused.on('error', () => undefined);
    await closed(refused);
    expect(px().connectionCount()).toBe(0);

    px().resume();
    const socket = await openClient();
    socket.on('error', () => undefined);
    await expect(roundTrip(socket, 'back again')).resolves.toBe('back again');
    socket.destroy();
    await closed(socket);
  });
});
