/**
 * Linking a customer to their Telegram chat. The shop gets a deep link for the customer
 * (`t.me/<bot>?start=<token>`); the customer opens it and presses Start; Telegram sends the bot
 * `/start <token>` from their private chat, and the chat becomes the customer's Telegram address.
 *
 * The token is 24 random bytes (32 characters of [A-Za-z0-9_-], inside Telegram's 64) naming a row of
 * telegram_link_tokens: a signed token could not carry a customer id of up to 200 characters. Only
 * its hash is stored; it works once, within the hour, and whoever holds it can link a chat, so the
 * shop shows it to the signed-in customer only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, lt, ne } from 'drizzle-orm';
import { unsuppress } from '../../../contactability/suppressions';
import type { Db } from '../../../db/client';
import { customers, telegramChats, telegramLinkTokens } from '../../../db/schema';

export const LINK_TTL_MS = 60 * 60_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new token for the customer; tokens nobody used in time are cleared on the way. */
export async function mintLinkToken(db: Db, customerId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + LINK_TTL_MS);
  await db.delete(telegramLinkTokens).where(lt(telegramLinkTokens.expiresAt, now));
  await db.insert(telegramLinkTokens).values({ tokenHash: hashOf(token), customerId, expiresAt });
  return { token, expiresAt };
}

export interface LinkedChat {
  customerId: string;
  locale: string | null;
}

/**
 * Uses the token: the chat becomes the customer's (replacing an earlier chat of theirs, and leaving
 * any other customer it was linked to), and a block of that chat is lifted, since its owner just
 * started the bot. Null for a token unknown, used or expired: nothing changes.
 */
export async function linkChat(db: Db, token: string, chat: { chatId: string; username: string | null }, now = new Date()): Promise<LinkedChat | null> {
  return db.transaction(async (tx) => {
    const [used] = await tx.delete(telegramLinkTokens).where(eq(telegramLinkTokens.tokenHash, hashOf(token))).returning();
    if (!used || used.expiresAt <= now) return null;
    await tx.delete(telegramChats).where(and(eq(telegramChats.chatId, chat.chatId), ne(telegramChats.customerId, used.customerId)));
    await tx
      .insert(telegramChats)
      .values({ customerId: used.customerId, chatId: chat.chatId, username: chat.username, linkedAt: now })
      .onConflictDoUpdate({ target: telegramChats.customerId, set: { chatId: chat.chatId, username: chat.username, linkedAt: now } });
    await unsuppress(tx, 'telegram', chat.chatId, 'blocked');
    const [customer] = await tx.select({ locale: customers.locale }).from(customers).where(eq(customers.id, used.customerId));
    return { customerId: used.customerId, locale: customer?.locale ?? null };
  });
}
