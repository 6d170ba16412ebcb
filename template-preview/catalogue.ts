/**
 * The templates on disk, as the API and the dashboard list them: every `templates/<locale>/<name>.<channel>.liquid`
 * (partials like `_footer` are not templates), the channels and locales each exists in, and the
 * variables it reads. The variables come from Liquid's own static analysis of the whole file (its
 * `subject:`/`title:` header is Liquid too), so a guarded `{% if customer.name %}` counts and a
 * loop's own variable does not.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Liquid } from 'liquidjs';
import { shippedLocales } from '../activities/templates';
import { FORMAT_GLOBAL } from '../activities/templates/filters';
import { fromRoot } from '../lib/paths';
import { channels, type Channel } from '../workflows/contract';

export interface TemplateEntry {
  name: string;
  channels: Channel[];
  locales: string[];
  /** Dotted paths the template reads: `customer.name`, `promoCode`, `event.cartId`. */
  variables: string[];
  /** Which locales hold each channel's file (a translation may lack one channel). */
  files: Array<{ locale: string; channel: Channel }>;
}

const FILE = /^([a-z0-9][a-z0-9-]*)\.([a-z]+)\.liquid$/;
// Parsing only: filters need not be known, and none runs.
const analyser = new Liquid();

const isChannel = (s: string): s is Channel => (channels as readonly string[]).includes(s);
const byName = (a: string, b: string) => a.localeCompare(b);

/**
 * Read once per folder per process, like the renderer, which caches each template it parses: the
 * files ship with the code, and `POST /v1/messages` looks a template up on every request.
 */
const read = new Map<string, Promise<TemplateEntry[]>>();

export function readCatalogue(dir = fromRoot('templates')): Promise<TemplateEntry[]> {
  const cached = read.get(dir);
  if (cached) return cached;
  const reading = scan(dir);
  read.set(dir, reading);
  reading.catch(() => read.delete(dir));
  return reading;
}

async function scan(dir: string): Promise<TemplateEntry[]> {
  const found = new Map<string, { files: TemplateEntry['files']; variables: Set<string> }>();
  for (const locale of shippedLocales(dir).sort(byName)) {
    for (const file of readdirSync(join(dir, locale)).sort(byName)) {
      const [, name, channel] = file.match(FILE) ?? [];
      if (!name || !channel || !isChannel(channel)) continue;
      const entry = found.get(name) ?? { files: [], variables: new Set<string>() };
      found.set(name, entry);
      entry.files.push({ locale, channel });
      const source = await readFile(join(dir, locale, file), 'utf8');
      for (const path of await analyser.globalFullVariables(source)) if (path !== FORMAT_GLOBAL) entry.variables.add(path);
    }
  }
  return [...found.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([name, { files, variables }]) => ({
      name,
      channels: channels.filter((c) => files.some((f) => f.channel === c)),
      locales: [...new Set(files.map((f) => f.locale))],
      variables: [...variables].sort(byName),
      files,
    }));
}
