/**
 * What stays of an erased customer's addresses: a SHA-256 of each, normalised as the suppression list
 * spells it, so an address erased with an objection is held like an unsubscribe until its new owner
 * consents on that channel after the erasure, by their own word (PUT /consents, a link, the
 * preference center, with its consented_at), and a CRM re-sync or import of the old opt-in, whatever
 * its date, does not bring it back.
 */
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { normaliseAddress } from './address';
import { SYNC_SOURCES } from './consent-rule';
import { consentChanges, customers, erasedAddresses } from '../db/schema';
import type { Channel } from '../workflows/contract';

export function addressHash(channel: Channel, address: string): string {
  return createHash('sha256').update(normaliseAddress(channel, address)).digest('hex');
}

/**
 * In SQL on the row of `customers` in the outer query: the normalised address `normalised` was erased
 * with an objection and the customer has not consented on the channel since. Postgres's sha256 on the
 * UTF-8 bytes is the same digest as `addressHash`.
 */
export function erasedObjectionSql(channel: Channel, normalised: SQL): SQL<boolean> {
  return sql<boolean>`exists (select 1 from ${erasedAddresses} where ${erasedAddresses.channel} = ${channel} and ${erasedAddresses.objection}
    and ${erasedAddresses.addressHash} = encode(sha256(convert_to(${normalised}, 'UTF8')), 'hex')
    and not exists (select 1 from ${consentChanges} where ${consentChanges.customerId} = ${customers.id} and ${consentChanges.channel} = ${channel}
      and ${consentChanges.granted} and ${consentChanges.applied} and ${consentChanges.consentedAt} > ${erasedAddresses.erasedAt}
      and ${consentChanges.source} not in (${SYNC_SOURCES.profile}, ${SYNC_SOURCES.import})))`;
}
