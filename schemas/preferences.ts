/** POST /preferences?token=: the preference center's form (application/x-www-form-urlencoded). */
import { z } from 'zod';

/** A form field sent once arrives as a string, sent again as an array. */
const oneOrMany = z.union([z.string().max(100), z.array(z.string().max(100)).max(100)]);

export const preferencesForm = z.object({
  csrf: z.string().max(100).optional().meta({ description: "The page's form token (CSRF); without it, or another page's, 403" }),
  shown: oneOrMany.optional().meta({ description: 'Every `<channel>.<topic>` box the page showed' }),
  on: oneOrMany.optional().meta({ description: 'The boxes ticked: `<channel>.<topic>`' }),
  everything: z.literal('1').optional().meta({ description: "Unsubscribe from every topic of the link's channel" }),
});

export const listOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());
