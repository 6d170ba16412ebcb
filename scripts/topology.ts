/**
 * `npm run topology`: the production topology on this machine (topology/start.ts): Postgres, the
 * Go-built Temporal server on it, Cascade's API and worker(s) as separate processes. Prints where
 * each listens; Ctrl+C stops everything. Secrets stay in the printed cascade.env file (mode 0600).
 *   npm run topology -- --shards 4 --workers 2
 */
import { parseCommandLine, usageError } from '../lib/cli';
import { startTopology } from '../topology/start';

const USAGE = `usage: npm run topology [-- --shards <n>] [--workers <n>] [--no-api]
  The production topology on this machine: Postgres, the Temporal server built from source on it,
  the API and the workers as processes of their own. Ctrl+C stops everything.
  --shards <n>   history shards of the Temporal server (8)
  --workers <n>  worker processes (1; 0 for none)
  --no-api       no API process`;

const { values } = parseCommandLine(USAGE, {
  options: {
    shards: { type: 'string' },
    workers: { type: 'string', default: '1' },
    'no-api': { type: 'boolean', default: false },
  },
});
const count = (flag: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) usageError(USAGE, `--${flag} wants a whole number of at least ${min}, got "${text}"`);
  return n;
};
const historyShards = values.shards === undefined ? undefined : count('shards', values.shards, 1);
const workers = count('workers', values.workers, 0);

const started = Date.now();
const topology = await startTopology({
  historyShards,
  workers,
  api: !values['no-api'],
  log: (line) => console.log(`topology: ${line}`),
});
const masked = (url: string) => url.replace(/:\/\/([^:@/]+):[^@]*@/, '://$1:***@');

console.log(`
Production topology up in ${Math.round((Date.now() - started) / 1000)} s (logs in ${topology.dir})
  Temporal  ${topology.temporal.address} (namespace ${topology.temporal.namespace}, ${topology.temporal.historyShards} history shards, metrics ${topology.temporal.metricsUrl})
  Postgres  ${masked(topology.databaseUrl)}
${topology.api ? `  API       ${topology.api.url} (pid ${topology.api.process.pid})\n` : ''}${topology.workers.map((w) => `  ${w.process.name.padEnd(9)} pid ${w.process.pid}, metrics ${w.url}`).join('\n')}
  Secrets   ${topology.dir}/cascade.env: set -a; . ${topology.dir}/cascade.env; set +a
            then e.g. curl ${topology.api?.url ?? 'http://127.0.0.1:PORT'}/v1/outbox -H "Authorization: Bearer $CASCADE_API_KEYS"
Ctrl+C stops everything and deletes ${topology.dir}.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('topology: stopping');
    topology.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
