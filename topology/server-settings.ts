/**
 * The Temporal server's settings both deployments share: deploy/temporal-server.env (the variables
 * the server's config template reads; docker-compose.yml passes the same file as `env_file`) and the
 * dynamic config file beside it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

const deploy = resolve(fileURLToPath(new URL('../deploy', import.meta.url)));

/** Repository-relative, as docker-compose.yml names them. */
export const SERVER_ENV_FILE = 'deploy/temporal-server.env';
export const DYNAMIC_CONFIG_FILE = 'deploy/temporal-dynamicconfig.yaml';

export const dynamicConfigPath = join(deploy, 'temporal-dynamicconfig.yaml');

export interface ServerSettings {
  /** Every variable in the file, for the server's environment. */
  env: Record<string, string>;
  historyShards: number;
  databases: { history: string; visibility: string };
}

export function serverSettings(): ServerSettings {
  const env = parseEnv(readFileSync(join(deploy, 'temporal-server.env'), 'utf8')) as Record<string, string>;
  const need = (key: string) => {
    const value = env[key];
    if (!value) throw new Error(`${SERVER_ENV_FILE} lacks ${key}`);
    return value;
  };
  return {
    env,
    historyShards: Number(need('NUM_HISTORY_SHARDS')),
    databases: { history: need('DBNAME'), visibility: need('VISIBILITY_DBNAME') },
  };
}
