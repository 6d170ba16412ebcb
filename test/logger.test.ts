/**
 * What reaches the log when a query fails: a real drizzle error from a real Postgres, with an email
 * and a phone among its parameters, logged through Cascade's logger into a captured stream.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { customers } from '../db/schema';
import { createLogger } from '../lib/logger';
import { createTestDatabase } from './support/database';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(stream, 'info'), lines };
}

const email = 'maria.ivanova@example.com';
const phone = '+79161234567';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.insert(customers).values({ id: 'c-1', email, phone });
});
afterAll(() => database.close());

async function failedInsert(): Promise<unknown> {
  try {
    await database.db.insert(customers).values({ id: 'c-1', email, phone, name: 'Maria Ivanova' });
  } catch (err) {
    return err;
  }
  throw new Error('the duplicate insert was expected to fail');
}

describe('the logger', () => {
  it('logs a failed query by its SQL and Postgres error, without the values it was called with', async () => {
    const err = await failedInsert();
    // The raw error really does carry them: this is what the logger must hold back.
    expect(String((err as Error).message)).toContain(email);

    const { logger, lines } = capture();
    logger.error({ err }, 'request failed');
    logger.warn({ error: err }, 'activity failed');
    logger.warn({ err: (err as Error).message }, 'poll failed'); // the message alone, as a string
    const out = lines.join('');

    expect(out).not.toContain(email);
    expect(out).not.toContain(phone);
    expect(out).not.toContain('Maria Ivanova');
    expect(out).not.toContain('params:');
    expect(out).not.toContain('"parameters"');
    expect(JSON.parse(lines[2]!).err).toMatch(/^Failed query: insert into "customers"/);
    const logged = JSON.parse(lines[0]!).err;
    expect(logged.message).toMatch(/^Failed query: insert into "customers"/);
    expect(logged.cause).toMatchObject({ code: '23505', constraint_name: 'customers_pkey' });
    expect(logged.cause.detail).toBe('Key (id)=(…) already exists.');
  });

  it('masks emails and phones in messages and fields, and logs a request by its path only', () => {
    const { logger, lines } = capture();
    logger.info({ to: email, req: { method: 'GET', originalUrl: `/v1/customers?email=${email}&token=abc` } }, `sent to ${phone}`);
    const line = JSON.parse(lines[0]!);
    expect(line.to).toBe('m***@example.com');
    expect(line.msg).toBe('sent to ***67');
    expect(line.req).toEqual({ method: 'GET', path: '/v1/customers' });
  });

  it('keeps an API key id whole, however many digits it has, and still masks a phone beside it', () => {
    const { logger, lines } = capture();
    // A key id is 12 random hex characters: this one has a run of 11 digits, as a phone has.
    logger.info({ keyId: 'e21906770393', customerId: phone }, 'api key created');
    const line = JSON.parse(lines[0]!);
    expect(line.keyId).toBe('e21906770393');
    expect(line.customerId).toBe('***67');
  });
});

describe('the Temporal SDK logger', () => {
  it('writes through the same logger: levels kept, contacts masked, errors without their values', async () => {
    const { temporalLogger } = await import('../lib/temporal-logger');
    const { logger, lines } = capture();
    const sdk = temporalLogger(logger);
    sdk.warn('Activity failed', { activityType: 'send', error: await failedInsert() });
    sdk.log('INFO', `Workflow started for ${email}`, { workflowId: 'journey/welcome/c-1' });
    sdk.debug('not at info level');
    expect(lines).toHaveLength(2);
    const [warn, info] = lines.map((l) => JSON.parse(l));
    expect(warn).toMatchObject({ level: 40, msg: 'Activity failed', activityType: 'send', error: { type: 'DrizzleQueryError' } });
    expect(info).toMatchObject({ level: 30, msg: 'Workflow started for m***@example.com', workflowId: 'journey/welcome/c-1' });
    expect(lines.join('')).not.toContain(email);
    expect(lines.join('')).not.toContain(phone);
  });
});
