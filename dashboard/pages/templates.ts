/**
 * The template pages: the list of templates, and one template with each of its locales and channels
 * rendered side by side. An email's HTML is shown in a sandboxed iframe (`srcdoc`, no `allow-*`):
 * an opaque origin where no script runs, under this page's CSP (which also turns off the email's
 * inline styles), so a template cannot act on the dashboard.
 */
import type { TemplateEntry } from '../../template-preview/catalogue';
import type { Rendition } from '../../template-preview/gallery';
import { channels } from '../../workflows/contract';
import { html, type Markup } from '../html';

export function templateListPage(entries: TemplateEntry[]): Markup {
  return html`<section><table class="list"><thead><tr><th>Template</th><th>Channels</th><th>Locales</th><th>Variables</th></tr></thead><tbody>
${entries.map(
  (t) =>
    html`<tr><td><a href="/dashboard/templates/${encodeURIComponent(t.name)}">${t.name}</a></td><td>${t.channels.join(', ')}</td><td>${t.locales.join(', ')}</td><td>${t.variables.join(', ')}</td></tr>`,
)}
</tbody></table></section>`;
}

function emailDocument(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`;
}

function rendition(r: Rendition): Markup {
  const head = html`<h3>${r.locale} · ${r.channel}</h3>`;
  if ('error' in r) return html`<article class="rendition" data-locale="${r.locale}" data-channel="${r.channel}">${head}<p class="problem" role="alert">${r.error}</p></article>`;
  const p = r.preview;
  return html`<article class="rendition" data-locale="${r.locale}" data-channel="${r.channel}">${head}
${p.subject !== null ? html`<p class="subject"><span class="hint">${r.channel === 'push' ? 'Title' : 'Subject'}:</span> <strong data-field="subject">${p.subject}</strong></p>` : null}
${p.html !== null ? html`<iframe sandbox="" title="${r.locale} email" srcdoc="${emailDocument(p.html)}"></iframe>` : html`<pre data-field="text">${p.text}</pre>`}
${p.smsSegments !== undefined ? html`<p class="hint" data-field="segments">${p.smsSegments} ${p.smsSegments === 1 ? 'segment' : 'segments'}</p>` : null}
</article>`;
}

export function templatePage(entry: TemplateEntry, renditions: Rendition[], customerId: string | undefined): Markup {
  const present = channels.filter((c) => entry.channels.includes(c));
  return html`<p class="note">${
    customerId ? html`Rendered for customer <strong>${customerId}</strong>, as a send would.` : html`Rendered for a sample customer (Anna); data a journey passes is left out, as a missing value would be.`
  } Variables: ${entry.variables.join(', ') || 'none'}.</p>
<form method="get" class="filters"><label>Customer id <input name="customerId" value="${customerId ?? ''}"></label><button type="submit">Render for this customer</button></form>
${entry.locales.map(
  (locale) => html`<section class="locale"><h2>${locale}</h2><div class="renditions">
${present.map((channel) => {
  const r = renditions.find((x) => x.locale === locale && x.channel === channel);
  return r ? rendition(r) : html`<article class="rendition missing"><h3>${locale} · ${channel}</h3><p class="hint">No ${channel} version in ${locale}: this locale's customers get another locale's.</p></article>`;
})}
</div></section>`,
)}`;
}
