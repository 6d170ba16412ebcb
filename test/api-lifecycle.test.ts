/**
 * The API's edge when things go wrong: /healthz says what is down without saying why (that goes to
 * the log), and stopping the API lets a request already in flight finish before the port closes.
 * Real parts: a Postgres database, the real app, and Temporal stand-ins at the TCP level (a closed
 * port; a port that accepts and never answers).
 */
import { createServer, type Server } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { startTestApi } from './support/cascade';
import { createTestDatabase } from './support/database';

/** A TCP port that takes connections and never says a word: a Temporal frontend that hangs. */
async function silentPort(): Promise<{ port: number; server: Server }> {
  const server = createServer(() => {});
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as { port: number }).port, server };
}

/** A port nothing listens on: a Temporal frontend that is down. */
async function closedPort(): Promise<number> {
  const { port, server } = await silentPort();
  await new Promise((done) => server.close(done));
  return port;
}

let database: Database;
let silent: Awaited<ReturnType<typeof silentPort>>;
const connections: Connection[] = [];
function temporalAt(port: number): Client {
  const connection = Connection.lazy({ address: `127.0.0.1:${port}` });
  connections.push(connection);
  return new Client({ connection });
}

beforeAll(async () => {
  [database, silent] = await Promise.all([createTestDatabase(), silentPort()]);
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  silent.server.close();
  await database.close();
});

describe('GET /healthz', () => {
  it('names what is unavailable, and carries no internal error text', async () => {
    const broken = await createTestDatabase();
    await broken.close();
    const api = await startTestApi(broken.db, temporalAt(await closedPort()));
    try {
      const res = await fetch(`${api.url}/healthz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        status: 'unavailable',
        checks: { database: 'unavailable', temporal: 'unavailable' },
        unavailable: ['database', 'temporal'],
      });
      expect(text).not.toMatch(/127\.0\.0\.1|CONNECTION|ECONNREFUSED|UNAVAILABLE|no answer/);
    } finally {
      await api.stop();
    }
  });
});

describe('stopping the API', () => {
  it('lets an in-flight request finish, then refuses new ones', async () => {
    // /healthz waits 2 s on a Temporal that never answers: a request that is in flight for a while.
    const api = await startTestApi(database.db, temporalAt(silent.port));
    let answeredAt = 0;
    const sentAt = Date.now();
    const inFlight = fetch(`${api.url}/healthz`).then(async (res) => {
      answeredAt = Date.now();
      return { status: res.status, body: await res.json() };
    });
    await new Promise((r) => setTimeout(r, 300));

    await api.stop();
    const stoppedAt = Date.now();

    expect(await inFlight).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { database: 'ok', temporal: 'unavailable' }, unavailable: ['temporal'] },
    });
    expect(answeredAt).toBeGreaterThan(0);
    // stop() waited for the answer (the health probe's 2 s), not just the 300 ms before it was called.
    expect(stoppedAt - sentAt).toBeGreaterThanOrEqual(1_900);
    // Keep-alive connections are not kept open past the stop: it returned soon after the answer.
    expect(stoppedAt - answeredAt).toBeLessThan(1000);
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
  });
});
