/**
 * Every locale and channel of one template rendered, for the dashboard's template page: for a
 * stored customer, or for a sample customer. A rendition that fails is shown with its error rather
 * than taking the page down.
 */
import { HttpError } from '../lib/http-error';
import type { Channel } from '../workflows/contract';
import type { TemplateEntry } from './catalogue';
import type { Preview, Previewer } from './preview';

/** Who the page renders for when no customer is picked: the profile fields templates read. */
export const SAMPLE_CUSTOMER = { id: 'sample', name: 'Anna', city: 'Kazan', email: 'anna@example.com', phone: '+79125550101', timeZone: 'Europe/Moscow', birthday: '1990-05-01', attributes: {} };

export type Rendition = { locale: string; channel: Channel } & ({ preview: Preview } | { error: string });

export async function renderGallery(preview: Previewer, entry: TemplateEntry, customerId: string | undefined): Promise<Rendition[]> {
  const renditions: Rendition[] = [];
  for (const { locale, channel } of entry.files) {
    const req = customerId === undefined ? { channel, locale, data: { customer: SAMPLE_CUSTOMER } } : { channel, locale, customerId };
    try {
      renditions.push({ locale, channel, preview: await preview(entry.name, req, entry) });
    } catch (err) {
      if (err instanceof HttpError) throw err;
      renditions.push({ locale, channel, error: (err as Error).message });
    }
  }
  return renditions;
}
