/**
 * `npm run api-key -- create --name crm --scopes ingest,read` | `list` | `revoke <id>`: stored API
 * keys from a shell, on DATABASE_URL or (unset) the embedded database under CASCADE_DATA_DIR like
 * `npm start`: the one a running `npm start` serves, or started for the command when none runs. A running
 * API trusts a key it already verified for up to 30 s, so a revoke here takes that long to bite on
 * /v1 (dashboard sessions signed in with the key end at once).
 */
import { createApiKey, listApiKeys, revokeStoredApiKey } from '../access/api-keys';
import { insertAuditRow } from '../db/queries/audit';
import { scopeListSchema } from '../access/scopes';
import { openDatabase } from '../db/client';
import { databaseForCommand } from '../servers/embedded-postgres';
import { parseCommandLine, usageError } from '../lib/cli';
import { loadConfig } from '../lib/config';

const USAGE = `usage:
  npm run api-key -- create --name <name> --scopes <ingest,read,admin>
  npm run api-key -- list
  npm run api-key -- revoke <id>
On DATABASE_URL, or without it the Postgres of npm start under CASCADE_DATA_DIR (.data).`;

const ACTOR = 'command:api-key';

async function main(): Promise<number> {
  const { positionals, values } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string' } },
  });
  const [command, id] = positionals;
  if (command !== 'create' && command !== 'list' && command !== 'revoke') usageError(USAGE, command ? `unknown command "${command}"` : 'which command?');
  if (command === 'create' && (!values.name?.trim() || !values.scopes)) usageError(USAGE, 'create needs --name and --scopes');
  if (command === 'revoke' && !id) usageError(USAGE, 'revoke needs the key id');
  if (positionals.length > (command === 'revoke' ? 2 : 1)) usageError(USAGE, `unexpected argument "${positionals.at(-1)}"`);
  const scopes = command === 'create' ? scopeListSchema.safeParse(values.scopes!.split(',').map((s) => s.trim())) : undefined;
  if (scopes && !scopes.success) usageError(USAGE, `--scopes: ${scopes.error.issues[0]!.message} (ingest, read, admin)`);

  const config = loadConfig();
  const server = await databaseForCommand(config);
  const database = await openDatabase({ url: server.url, max: 1 });
  try {
    if (command === 'create') {
      const created = await createApiKey(database.db, { name: values.name!.trim(), scopes: scopes!.data! }, ACTOR);
      await insertAuditRow(database.db, { actor: ACTOR, action: 'api-key.create', target: `api-key:${created.id}`, outcome: 'ok', detail: { name: created.name, scopes: created.scopes } });
      // Printed once, on purpose: only the digest is stored.
      process.stdout.write(`Created API key ${created.id} "${created.name}" (${created.scopes.join(', ')}). The key, shown only now:\n${created.key}\n`);
      return 0;
    }
    if (command === 'list') {
      const keys = await listApiKeys(database.db);
      if (!keys.length) process.stdout.write('No stored API keys (keys from CASCADE_API_KEYS are not listed).\n');
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : `last used ${k.lastUsedAt?.toISOString() ?? 'never'}`;
        process.stdout.write(`${k.id}  ${k.name}  ${k.scopes.join(',')}  created ${k.createdAt.toISOString()}  ${state}\n`);
      }
      return 0;
    }
    const revoked = await revokeStoredApiKey(database.db, id!, ACTOR);
    await insertAuditRow(database.db, { actor: ACTOR, action: 'api-key.revoke', target: `api-key:${id}`, outcome: revoked ? 'ok' : 'refused', detail: {} });
    if (!revoked) {
      process.stderr.write(`No stored API key ${id}\n`);
      return 1;
    }
    process.stdout.write(`Revoked API key ${revoked.id} "${revoked.name}" (running APIs refuse it within 30 s).\n`);
    return 0;
  } finally {
    await database.close();
    await server.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`api-key failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
