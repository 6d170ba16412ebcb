/**
 * Message templates are Liquid files in `templates/`, one per template and channel:
 * `welcome-1.email.liquid`. A file may open with `subject:` / `title:` header lines ended by `---`.
 * Data: `customer` (profile), `event` (trigger properties), `unsubscribeUrl` (marketing only), and
 * whatever the journey passes. `_footer.email.liquid` is appended to every marketing email.
 *
 * Data is never markup. An email body escapes every `{{ value }}` (a fragment that must stay HTML
 * says so with `| raw` in the template); subjects, SMS, push and webhook text are plain text and
 * are not escaped (an SMS reading `&lt;` is a bug too). Hidden characters are taken out of every
 * value first, so a name cannot reorder or hide the text around it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import { stripHidden, stripHiddenDeep } from '../lib/hidden-characters';
import type { Channel } from '../workflows/contract';

export interface Rendered {
  subject: string | null;
  body: string;
}

export class TemplateNotFoundError extends Error {}

const defaultDir = fileURLToPath(new URL('../templates', import.meta.url));

export function createRenderer(dir = defaultDir) {
  const html = new Liquid({ strictFilters: true, cache: true, outputEscape: 'escape' });
  const text = new Liquid({ strictFilters: true, cache: true });
  const parsed = new Map<string, { header: Record<string, string>; body: string }>();

  function load(template: string, channel: Channel) {
    const file = join(dir, `${template}.${channel}.liquid`);
    const hit = parsed.get(file);
    if (hit) return hit;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(template) || !existsSync(file)) {
      throw new TemplateNotFoundError(`No template ${template}.${channel}.liquid in ${dir}`);
    }
    const text = readFileSync(file, 'utf8');
    const split = text.match(/^((?:[a-z]+:.*\n)+)---\n([\s\S]*)$/);
    const header: Record<string, string> = {};
    for (const line of split?.[1]?.split('\n') ?? []) {
      const i = line.indexOf(':');
      if (i > 0) header[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    const entry = { header, body: split ? split[2]! : text };
    parsed.set(file, entry);
    return entry;
  }

  // Every marketing email gets the visible unsubscribe link, whatever its template says.
  const footerFile = join(dir, '_footer.email.liquid');
  const footer = existsSync(footerFile) ? readFileSync(footerFile, 'utf8') : undefined;

  return async function render(template: string, channel: Channel, data: Record<string, unknown>): Promise<Rendered> {
    const { header, body } = load(template, channel);
    const values = stripHiddenDeep(data);
    const bodyEngine = channel === 'email' ? html : text;
    let rendered = (await bodyEngine.parseAndRender(body, values)).trim();
    if (channel === 'email' && footer && values.unsubscribeUrl) rendered += `\n${(await html.parseAndRender(footer, values)).trim()}`;
    const headline = header.subject ?? header.title;
    const subject = headline ? stripHidden(await text.parseAndRender(headline, values), { singleLine: true }).trim() : null;
    return { subject, body: rendered };
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
