/**
 * What a template sees when it is rendered for a customer: the stored customer row as `customer`,
 * the unsubscribe link (marketing only), then whatever the sender passes; and the customer's own
 * locale and time zone. The send activity and the template preview both render through this, so a
 * preview shows the message the customer would get.
 */
import type { customers } from '../../db/schema';
import type { RenderFor } from '../templates';

export type CustomerRow = typeof customers.$inferSelect;

export function messageData(customer: CustomerRow, unsubscribeUrl: string | null, data: Record<string, unknown> | undefined): { data: Record<string, unknown>; to: RenderFor } {
  return { data: { customer, unsubscribeUrl, ...data }, to: { locale: customer.locale, timeZone: customer.timeZone } };
}
