/** The Telegram routes: the deep link for a customer, and the Bot API Updates its webhook takes. */
import { z } from 'zod';

export const telegramLinkAnswer = z.object({
  url: z.string().meta({ description: 'https://t.me/<bot>?start=<token>: show it to the signed-in customer only; it links the chat that opens it' }),
  expiresAt: z.string().meta({ description: 'The token works once, until then' }),
});

const chat = z.looseObject({ id: z.number().int(), type: z.string() });

/**
 * An Update as Telegram posts it (core.telegram.org/bots/api#update), only the fields Cascade reads;
 * any other kind of update has none of them and is ignored.
 */
export const telegramUpdate = z.looseObject({
  update_id: z.number().int(),
  message: z
    .looseObject({
      chat,
      from: z.looseObject({ username: z.string().optional(), language_code: z.string().optional() }).optional(),
      text: z.string().optional(),
    })
    .optional()
    .catch(undefined),
  my_chat_member: z
    .looseObject({ chat, new_chat_member: z.looseObject({ status: z.string() }) })
    .optional()
    .catch(undefined),
});

export type TelegramUpdate = z.infer<typeof telegramUpdate>;
