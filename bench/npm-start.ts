/**
 * `npm start` as a user runs it (the built entry when `npm run build` made one): its whole process
 * tree's resident memory at rest, and sign-ups per second through its POST /v1/events answered once
 * routed (`?wait=routed`), against a bare loop of signal-with-start on a plain
 * `temporal server start-dev` with default settings (history in a file, as npm start keeps it; no
 * worker). Goals: idle under 400 MiB; at least twice the plain server's loop.
 *
 * npm start's dev server listens on 7233; the section fails when something else holds that port.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from './dev-server';
import { percentiles, pool, ratio } from './measure';
import { freePort, treeRssMiB } from './processes';
import { bareLoop, eventOf, triggerRun } from './raw';
import { postEvent } from './events';

export async function benchNpmStart(opts: { customers: number; concurrency: number; deadline: number; settleMs?: number }): Promise<Record<string, unknown>> {
  const plain = await startDevServer([]);
  let bare;
  try {
    const connection = await Connection.connect({ address: plain.address });
    const ids = Array.from({ length: opts.customers }, (_, i) => `plain-${i}`);
    bare = await bareLoop(ids, opts.concurrency, (c) =>
      triggerRun({ client: new Client({ connection }), taskQueue: 'no-worker' }, 'welcome', c, eventOf(`plain-signup-${c}`, 'customer.signed_up')),
    );
    await connection.close();
  } finally {
    await plain.stop();
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'cascade-bench-start-'));
  const port = await freePort();
  const built = existsSync('dist/start.js');
  // The embedded default: no DATABASE_URL nor TEMPORAL_ADDRESS, whatever the bench's shell has.
  const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _temporal, ...env } = process.env;
  const child = spawn(built ? process.execPath : 'npm', built ? ['dist/start.js'] : ['start'], {
    env: { ...env, CASCADE_DATA_DIR: dataDir, PORT: String(port), CASCADE_RATE_LIMIT: 'off', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const readyBy = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} (is port 7233 free?)`);
      if (Date.now() > readyBy) throw new Error('npm start was not ready within 180 s');
      if (await fetch(`${url}/openapi.json`).then((r) => r.ok, () => false)) break;
      await sleep(500);
    }
    await sleep(opts.settleMs ?? 30_000);
    const idleRssMiB = treeRssMiB(child.pid!);
    const api = { url, key: readFileSync(join(dataDir, 'api-key'), 'utf8').trim() };
    const headers = { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' };
    const ids = Array.from({ length: opts.customers }, (_, i) => `start-${i}`);
    await pool(ids, 8, async (id) => {
      await fetch(`${url}/v1/customers/${id}`, { method: 'PUT', headers, body: JSON.stringify({ email: `${id}@example.com`, consents: { email: true } }) }).then((r) => r.arrayBuffer());
    });
    const latencies: number[] = [];
    let failed = 0;
    const t0 = performance.now();
    const posted = await pool(
      ids,
      opts.concurrency,
      async (c) => {
        const answer = await postEvent(api, { id: `start-signup-${c}`, customerId: c, type: 'customer.signed_up' }, '?wait=routed');
        latencies.push(answer.ms);
        if (answer.status !== 202) failed++;
      },
      opts.deadline,
    );
    const routedPerSecond = Math.round(posted / ((performance.now() - t0) / 1000));
    const busyRssMiB = treeRssMiB(child.pid!);
    return {
      entry: built ? 'node dist/start.js' : 'npm start (tsx)',
      idleRssMiB,
      rssAfterIngestMiB: busyRssMiB,
      customers: posted,
      concurrency: opts.concurrency,
      routedPerSecond,
      failed,
      answerLatencyMs: percentiles(latencies),
      plainDevServerSignalWithStartPerSecond: bare.perSecond,
      ratio: ratio(routedPerSecond, bare.perSecond),
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exited, sleep(30_000).then(() => process.kill(-child.pid!, 'SIGKILL'))]);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
