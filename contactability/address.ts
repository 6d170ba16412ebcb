/** Where a message to a customer goes on each channel, and the one spelling of an address for the suppression list. */
import { sql, type SQL } from 'drizzle-orm';
import { customers, pushTokens, telegramChats } from '../db/schema';
import type { Channel } from '../workflows/contract';

type Customer = typeof customers.$inferSelect;

export function normaliseAddress(channel: Channel, address: string): string {
  return channel === 'email' ? address.trim().toLowerCase() : address.trim();
}

/** `normaliseAddress` in SQL. */
export function normaliseAddressSql(channel: Channel, address: SQL): SQL {
  return channel === 'email' ? sql`lower(trim(${address}))` : sql`trim(${address})`;
}

/** The customer's linked Telegram chat id (activities/channels/telegram/link.ts), on the row of `customers` in the outer query. */
const telegramChatSql = () => sql<string | null>`(select ${telegramChats.chatId} from ${telegramChats} where ${telegramChats.customerId} = ${customers.id})`;

/**
 * `personalAddress` in SQL, on the row of `customers` in the outer query: the same spelling, for
 * audiences. Here also the Telegram chat, which a block suppresses.
 */
export function personalAddressSql(channel: Channel): SQL | null {
  if (channel === 'email') return normaliseAddressSql(channel, sql`${customers.email}`);
  if (channel === 'sms') return normaliseAddressSql(channel, sql`${customers.phone}`);
  if (channel === 'telegram') return telegramChatSql();
  return null;
}

/**
 * The customer's own address on a channel, the one an unsubscribe or a bounce suppresses. Push
 * tokens and the shared webhook URL are not personal addresses: for those the consent alone decides.
 * Neither is a Telegram chat here: it is not on the customer's row, and only the chat's owner blocking
 * the bot suppresses it (an unsubscribe withdraws the consent).
 */
export function personalAddress(channel: Channel, customer: Customer): string | null {
  const address = channel === 'email' ? customer.email : channel === 'sms' ? customer.phone : null;
  return address ? normaliseAddress(channel, address) : null;
}

/**
 * The address a send goes to, in SQL on the row of `customers` in the outer query: the personal
 * one, the newest push token, the wallet webhook, or the linked Telegram chat.
 */
export function sendAddressSql(channel: Channel, webhookUrl: string | undefined): SQL<string | null> {
  switch (channel) {
    case 'email':
      return sql`${customers.email}`;
    case 'sms':
      return sql`${customers.phone}`;
    case 'webhook':
      return sql`${webhookUrl ?? null}::text`;
    case 'push':
      return sql`(select ${pushTokens.token} from ${pushTokens} where ${pushTokens.customerId} = ${customers.id} order by ${pushTokens.createdAt} desc limit 1)`;
    case 'telegram':
      return telegramChatSql();
  }
}
