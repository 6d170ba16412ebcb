/** GET /v1/data-quality: every finding at once, each `{ count, samples }`. */
import type { Db } from '../db/client';
import { duplicateGroups } from './duplicates';
import { invalidContacts } from './invalid-contacts';
import { implausibleOrderDays, MAX_ORDERS_PER_DAY } from './order-histories';
import { activityWithoutContact } from './unreachable';

export async function dataQualityReport(db: Db) {
  const [duplicateEmails, duplicatePhones, invalid, busyDays, unreachable] = await Promise.all([
    duplicateGroups(db, 'email'),
    duplicateGroups(db, 'phone'),
    invalidContacts(db),
    implausibleOrderDays(db),
    activityWithoutContact(db),
  ]);
  return {
    duplicateEmails,
    duplicatePhones,
    invalidEmails: invalid.emails,
    invalidPhones: invalid.phones,
    implausibleOrderDays: { ...busyDays, threshold: MAX_ORDERS_PER_DAY },
    activityWithoutContact: unreachable,
  };
}
