/**
 * Temporal's two databases on Postgres, set up by its sql tool the way docker-compose.yml's
 * `temporal-schema` job does (test/compose.test.ts holds the job to these steps): create, version
 * tables at 0.0, then every versioned update up to what this server expects. The schemas are the
 * ones embedded in the tool, so nothing else has to match its version.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { serverSettings } from './server-settings';

const run = promisify(execFile);

export interface SchemaStep {
  database: string;
  args: string[];
}

export function schemaSteps(databases = serverSettings().databases): SchemaStep[] {
  return [
    [databases.history, 'postgresql/v12/temporal'],
    [databases.visibility, 'postgresql/v12/visibility'],
  ].flatMap(([database, schema]) => [
    { database: database!, args: ['create'] },
    { database: database!, args: ['setup-schema', '-v', '0.0'] },
    { database: database!, args: ['update-schema', '--schema-name', schema!] },
  ]);
}

export async function setUpTemporalSchema(opts: { sqlTool: string; host: string; port: number; user: string; password: string }): Promise<void> {
  for (const step of schemaSteps()) {
    const args = ['--plugin', 'postgres12', '--ep', opts.host, '-p', String(opts.port), '-u', opts.user, '--db', step.database, ...step.args];
    // The password goes in the environment (SQL_PASSWORD), not argv, which `ps` shows.
    await run(opts.sqlTool, args, { env: { ...process.env, SQL_PASSWORD: opts.password } }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`temporal sql tool: ${step.args[0]} on ${step.database} failed: ${(err.stderr || err.message).trim().split('\n').slice(-5).join('\n')}`);
    });
  }
}
