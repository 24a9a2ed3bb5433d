/**
 * A tiny loopback TCP proxy for fault injection: point a client at `proxy.port` instead of
 * the service, then cut its connections mid-flight or refuse new ones, without stopping the
 * service itself (so it is safe in front of the shared PostgreSQL or RabbitMQ too).
 */
import * as net from 'node:net';

export interface TcpProxy {
  /** Loopback port the proxy listens on. */
  readonly port: number;
  readonly targetPort: number;
  /** Number of client connections currently proxied. */
  connectionCount(): number;
  /** Resets (RST) every open connection on both sides, as a broken network would. */
  cutAll(): void;
  /** Refuses new connections (accepted then reset at once) and cuts the existing ones. */
  pause(): void;
  /**
   * A black hole: open connections stop forwarding (bytes are held, nothing is answered, no
   * RST), and new ones are accepted and never connected upstream, as a dead route or a
   * dropped-packet firewall behaves. `resume()` ends it, resetting what it held.
   */
  stall(): void;
  /** Lets new connections through again (after `pause()` or `stall()`). */
  resume(): void;
  /** Cuts everything and stops listening. Idempotent. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;
  let stalled = false;
  /** Connections accepted during a stall: never connected upstream. */
  const held = new Set<net.Socket>();
  let closed: Promise<void> | undefined;

  const cut = (pair: Pair): void => {
    pairs.delete(pair);
    // RST rather than FIN: the peer sees ECONNRESET, like a dropped link or a crashed host.
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (!pair.upstream.destroyed) pair.upstream.resetAndDestroy();
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (paused || closed) {
      client.resetAndDestroy();
      return;
    }
    if (stalled) {
      held.add(client);
      client.on('error', () => held.delete(client));
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = net.connect({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    // Errors end the pair; without listeners they would crash the test process.
    client.on('error', () => cut(pair));
    upstream.on('error', () => cut(pair));
    client.on('close', () => cut(pair));
    upstream.on('close', () => cut(pair));
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: cannot read its port');

  const cutAll = (): void => {
    for (const pair of [...pairs]) cut(pair);
    for (const socket of [...held]) socket.resetAndDestroy();
    held.clear();
  };

  return {
    port: address.port,
    targetPort,
    connectionCount: () => pairs.size,
    cutAll,
    pause: () => {
      paused = true;
      cutAll();
    },
    stall: () => {
      stalled = true;
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    resume: () => {
      if (stalled) cutAll();
      paused = false;
      stalled = false;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        cutAll();
      });
      return closed;
    },
  };
}
