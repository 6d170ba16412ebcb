/**
 * Stored emails and phones the API would refuse today: written before the rules, or by hand into
 * the database. Judged by the API's own schemas (schemas/customers.ts), so "invalid" means one
 * thing everywhere; a phone that is valid but not stored in E.164 counts too, because suppressions
 * and duplicate checks compare the E.164 form. Reads the customers with a contact in pages.
 */
import { and, asc, gt, isNotNull, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import { customers } from '../db/schema';
import { emailSchema, phoneSchema } from '../schemas/customers';
import { SAMPLES, type Finding } from './finding';

export interface InvalidContact {
  customerId: string;
  value: string;
  problem: string;
}

const PAGE = 5000;

export async function invalidContacts(db: Db): Promise<{ emails: Finding<InvalidContact>; phones: Finding<InvalidContact> }> {
  const emails: Finding<InvalidContact> = { count: 0, samples: [] };
  const phones: Finding<InvalidContact> = { count: 0, samples: [] };
  const note = (finding: Finding<InvalidContact>, sample: InvalidContact) => {
    finding.count++;
    if (finding.samples.length < SAMPLES) finding.samples.push(sample);
  };
  for (let after = ''; ; ) {
    const page = await db
      .select({ id: customers.id, email: customers.email, phone: customers.phone })
      .from(customers)
      .where(and(gt(customers.id, after), or(isNotNull(customers.email), isNotNull(customers.phone))))
      .orderBy(asc(customers.id))
      .limit(PAGE);
    for (const c of page) {
      if (c.email !== null) {
        const parsed = emailSchema.safeParse(c.email);
        if (!parsed.success) note(emails, { customerId: c.id, value: c.email, problem: parsed.error.issues[0]!.message });
      }
      if (c.phone !== null) {
        const parsed = phoneSchema.safeParse(c.phone);
        if (!parsed.success) note(phones, { customerId: c.id, value: c.phone, problem: parsed.error.issues[0]!.message });
        else if (parsed.data !== c.phone) note(phones, { customerId: c.id, value: c.phone, problem: `not stored in E.164 (${parsed.data})` });
      }
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }
  return { emails, phones };
}
