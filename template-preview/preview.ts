/**
 * A template rendered the way it would go out, without sending it: through the production renderer
 * (escaping, filters, locale fallback, the unsubscribe footer of marketing email, lenient about
 * missing variables), for a stored customer as the send activity sees them, or for sample data.
 */
import { eq } from 'drizzle-orm';
import { convert } from 'html-to-text';
import { type Renderer, type RenderFor } from '../activities/templates';
import { messageData } from '../activities/templates/message-data';
import type { Db } from '../db/client';
import { customers } from '../db/schema';
import { HttpError } from '../lib/http-error';
import type { Channel } from '../workflows/contract';
import { readCatalogue, type TemplateEntry } from './catalogue';

export interface PreviewRequest {
  channel: Channel;
  /** The folder to try first; without it, the customer's locale (or the default). */
  locale?: string;
  /** Render for this stored customer (their row as `customer`, their locale and time zone). */
  customerId?: string;
  /** Merged over the customer's data, or the whole sample without a customer. */
  data?: Record<string, unknown>;
  /** A transactional message has no unsubscribe footer. */
  transactional?: boolean;
}

export interface Preview {
  subject: string | null;
  /** Email only: the body as sent. */
  html: string | null;
  /** The email reduced to text; other channels' body as sent. */
  text: string;
  /** SMS only: the parts the text costs. */
  smsSegments?: number;
  /** The locale folder the template came from (after fallback). */
  locale: string;
}

export interface PreviewDeps {
  db: Db;
  render: Renderer;
  /** CASCADE_PUBLIC_URL, for the sample unsubscribe link. */
  publicUrl?: string;
  /** The folder the renderer reads; the shipped templates without it. */
  templatesDir?: string;
}

/** The one the catalogue lists by this name, or a 404 that names it. */
export async function findTemplate(name: string, templatesDir?: string): Promise<TemplateEntry> {
  const entry = (await readCatalogue(templatesDir)).find((t) => t.name === name);
  if (!entry) throw new HttpError(404, 'not_found', `No template ${name}`, 'name');
  return entry;
}

export function createPreviewer(deps: PreviewDeps) {
  // A link that looks like the real one and unsubscribes nobody: the token is not signed.
  const sampleUnsubscribeUrl = `${(deps.publicUrl ?? '').replace(/\/+$/, '')}/unsubscribe?token=preview`;

  async function dataFor(req: PreviewRequest): Promise<{ data: Record<string, unknown>; to: RenderFor }> {
    const unsubscribeUrl = req.transactional ? null : sampleUnsubscribeUrl;
    if (req.customerId === undefined) return { data: { unsubscribeUrl, ...req.data }, to: { locale: req.locale } };
    const [customer] = await deps.db.select().from(customers).where(eq(customers.id, req.customerId));
    if (!customer) throw new HttpError(404, 'not_found', `No customer ${req.customerId}`, 'customerId');
    const message = messageData(customer, unsubscribeUrl, req.data);
    return { data: message.data, to: { ...message.to, locale: req.locale ?? message.to.locale } };
  }

  return async function preview(name: string, req: PreviewRequest, entry?: TemplateEntry): Promise<Preview> {
    const template = entry ?? (await findTemplate(name, deps.templatesDir));
    if (!template.channels.includes(req.channel)) {
      throw new HttpError(404, 'not_found', `channel: template ${name} has no ${req.channel} version (it has ${template.channels.join(', ')})`, 'channel');
    }
    const { data, to } = await dataFor(req);
    const rendered = await deps.render(name, req.channel, data, to);
    const email = req.channel === 'email';
    return {
      subject: rendered.subject,
      html: email ? rendered.body : null,
      text: email ? convert(rendered.body, { wordwrap: false }) : rendered.body,
      ...(rendered.sms ? { smsSegments: rendered.sms.segments } : {}),
      locale: rendered.locale,
    };
  };
}

export type Previewer = ReturnType<typeof createPreviewer>;
