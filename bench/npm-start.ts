/**
 * `npm start` as a user runs it (the built entry when `npm run build` made one): its whole process
 * tree's memory at rest (Pss, and VmRSS beside), and sign-ups turned into sent welcome emails: posted
 * as a product system posts them (answered once stored), counted until `/metrics` says that many
 * welcome emails are `sent`. Against two bare loops of signal-with-start (no worker): on a plain
 * `temporal server start-dev` with default settings, and on npm start's own tuned dev server.
 *
 * Interleaved rounds (bench/rounds.ts): plain loop, Cascade, own-server loop, plain loop... (PAIRS
 * rounds, a fresh batch of customers each), each phase drained before the next starts (Cascade's:
 * every email sent and its runs quiet; the loops' runs never run); the ratios are per round,
 * reported as the median and the spread. Goals: idle under 400 MiB; Cascade at least 2x the plain
 * loop and 0.9x the loop on its own server.
 *
 * npm start's dev server listens on 7233; the section fails when something else holds that port.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { removeDataDir } from '../servers/embedded-postgres';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from './dev-server';
import { pool } from './measure';
import { freePort, pssKiB, treeRssMiB } from './processes';
import { bareSignUps } from './raw';
import { postEvent } from './events';
import { interleave, middle, PAIRS, ratioOfRounds, waitQuiet } from './rounds';
import { journeyWorkflowId } from '../workflows/contract';

/** Welcome emails `sent`, from the API's `/metrics` (cascade_messages_total). */
async function welcomeEmailsSent(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cascade_messages_total{') && line.includes('status="sent"') && line.includes('journey="welcome"') && line.includes('channel="email"')) {
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return n;
}

export async function benchNpmStart(opts: { customers: number; concurrency: number; deadline: number; settleMs?: number }): Promise<Record<string, unknown>> {
  const plain = await startDevServer([]);
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
  const connections: Connection[] = [];
  try {
    const readyBy = Date.now() + 180_000;
    const t0 = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} (is port 7233 free?)`);
      if (Date.now() > readyBy) throw new Error('npm start was not ready within 180 s');
      if (await fetch(`${url}/openapi.json`).then((r) => r.ok, () => false)) break;
      await sleep(200);
    }
    const readySeconds = (Date.now() - t0) / 1000;
    await sleep(opts.settleMs ?? 30_000);
    const idlePssMiB = treeRssMiB(child.pid!, pssKiB);
    const idleRssMiB = treeRssMiB(child.pid!);
    const api = { url, key: readFileSync(join(dataDir, 'api-key'), 'utf8').trim() };
    const headers = { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' };

    connections.push(await Connection.connect({ address: plain.address }), await Connection.connect({ address: '127.0.0.1:7233' }));
    const [plainClient, ownClient] = connections.map((connection) => new Client({ connection })) as [Client, Client];
    const bare = (client: Client, prefix: string, n: number) =>
      bareSignUps(client, Array.from({ length: n }, (_, i) => `${prefix}-${i}`), opts.concurrency, `${prefix}-signup-`);

    const perRound = Math.max(50, Math.floor(opts.customers / PAIRS));
    const rounds = await interleave(opts.deadline, async (round) => {
      const plainLoop = await bare(plainClient, `plain-${round}`, perRound);
      const ids = Array.from({ length: perRound }, (_, i) => `start-${round}-${i}`);
      await pool(ids, 8, async (id) => {
        await fetch(`${url}/v1/customers/${id}`, { method: 'PUT', headers, body: JSON.stringify({ email: `${id}@example.com`, consents: { email: true } }) }).then((r) => r.arrayBuffer());
      });
      const before = await welcomeEmailsSent(url);
      let failed = 0;
      const start = performance.now();
      await pool(ids, opts.concurrency, async (c) => {
        const answer = await postEvent(api, { id: `start-signup-${c}`, customerId: c, type: 'customer.signed_up' });
        if (answer.status !== 202) failed++;
      });
      while ((await welcomeEmailsSent(url)) - before < perRound - failed) {
        if (Date.now() > opts.deadline) throw new Error(`round ${round}: not every welcome email was sent before the deadline`);
        await sleep(50);
      }
      const cascade = Math.round(perRound / ((performance.now() - start) / 1000));
      // Drained: the runs' work after their first email (the workflow task that starts the next wait) is done too.
      if (!(await waitQuiet(ownClient, ids.map((c) => journeyWorkflowId('welcome', c)), opts.deadline))) throw new Error(`round ${round}: the welcome runs were not quiet before the deadline`);
      const ownLoop = await bare(ownClient, `own-${round}`, perRound);
      return { plain: plainLoop.perSecond, own: ownLoop.perSecond, cascade, failed };
    });
    const vsPlain = ratioOfRounds(rounds.map((r) => r.cascade), rounds.map((r) => r.plain));
    const vsOwn = ratioOfRounds(rounds.map((r) => r.cascade), rounds.map((r) => r.own));
    return {
      entry: built ? 'node dist/start.js' : 'npm start (tsx)',
      readySeconds,
      idlePssMiB,
      idleRssMiB,
      rssAfterIngestMiB: treeRssMiB(child.pid!),
      customersPerRound: perRound,
      concurrency: opts.concurrency,
      rounds,
      sentPerSecond: middle(rounds.map((r) => r.cascade)),
      plainDevServerSignalWithStartPerSecond: middle(rounds.map((r) => r.plain)),
      ownDevServerSignalWithStartPerSecond: middle(rounds.map((r) => r.own)),
      ...vsPlain,
      ratioOwn: vsOwn.ratio,
      ratioOwnSpread: vsOwn.ratioSpread,
    };
  } finally {
    await Promise.all(connections.map((c) => c.close()));
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      process.kill(child.pid!, 'SIGTERM');
      await Promise.race([exited, sleep(30_000).then(() => process.kill(-child.pid!, 'SIGKILL'))]);
    }
    await plain.stop();
    removeDataDir(dataDir);
  }
}
