import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { resolve } from 'node:path';

/**
 * Jest globalSetup for the integration and e2e tiers: pins the time zone, checks that the
 * shared PostgreSQL and RabbitMQ answer, and that the hub was built (`npm test` builds first).
 * Each test file then makes its own database and vhost; the hub under test runs the migrations.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  const missing: string[] = [];
  if (!(await answers(5432))) missing.push('PostgreSQL on 127.0.0.1:5432');
  if (!(await answers(5672))) missing.push('RabbitMQ on 127.0.0.1:5672');
  if (!existsSync(resolve(__dirname, '../../dist/apps/hub/src/main.js'))) missing.push('a build (run `npm run build`)');
  if (missing.length > 0) {
    throw new Error(`the integration and e2e tests need ${missing.join(' and ')}; .ci/run starts the services`);
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    socket.setTimeout(2_000);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('timeout', () => (socket.destroy(), done(false)));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}
