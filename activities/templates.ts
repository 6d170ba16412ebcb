/**
 * Message templates are Liquid files in `templates/`, one per template and channel:
 * `welcome-1.email.liquid`. A file may open with `subject:` / `title:` header lines ended by `---`.
 * Data: `customer` (profile), `event` (trigger properties), `unsubscribeUrl` (marketing only), and
 * whatever the journey passes. `_footer.email.liquid` is appended to every marketing email.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import type { Channel } from '../workflows/contract';

export interface Rendered {
  subject: string | null;
  body: string;
}

export class TemplateNotFoundError extends Error {}

const defaultDir = fileURLToPath(new URL('../templates', import.meta.url));

export function createRenderer(dir = defaultDir) {
  const liquid = new Liquid({ strictFilters: true, cache: true });
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
    const headline = header.subject ?? header.title;
    let text = (await liquid.parseAndRender(body, data)).trim();
    if (channel === 'email' && footer && data.unsubscribeUrl) text += `\n${(await liquid.parseAndRender(footer, data)).trim()}`;
    return { subject: headline ? (await liquid.parseAndRender(headline, data)).trim() : null, body: text };
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
