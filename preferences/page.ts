/**
 * The preference center as HTML: a table of topics by channel, each a checkbox, "unsubscribe from
 * everything", and a save button. A plain form, so it works without JavaScript; the headers keep it
 * out of frames (clickjacking), out of caches and search, and the link token out of Referer.
 */
import { privatePageHeaders } from '../lib/private-page';
import type { Response } from 'express';
import type { LinkGrantRefusal } from '../contactability/link-grants';
import { choiceKey, type Choice } from './choices';
import { topicName, type PageStrings } from './strings';

/** Marks every page of ours, in any language: the doctor tells Cascade's answer from a proxy's by it. */
export const PAGE_SIGNATURE = '<meta name="application-name" content="cascade">';

export function sendPage(res: Response, status: number, s: PageStrings, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .set(privatePageHeaders("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"))
    .send(
      `<!doctype html>
<html lang="${s.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">${PAGE_SIGNATURE}<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{padding:.5rem;border-bottom:1px solid #ddd}
th{text-align:center;font-weight:600}th:first-child,td:first-child{text-align:left}td{text-align:center}
input[type=checkbox]{width:1.2rem;height:1.2rem}label.all{display:block;margin:1rem 0}
button{font-size:1rem;padding:.5rem 1.5rem}.notice{background:#eef7ee;border:1px solid #9c9;padding:.5rem .75rem}
small{color:#666}.note{background:#f6f6f6;border:1px solid #ccc;padding:.5rem .75rem}
</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`,
    );
}

/**
 * The form. Where the link may not grant (`grantRefusal`), a box that is off is shown disabled and
 * not as shown, so the form can only withdraw, and a note says why.
 */
export function preferenceForm(
  s: PageStrings,
  opts: { shop: string; action: string; formToken: string; choices: Choice[]; grantRefusal: LinkGrantRefusal['reason'] | null; saved: boolean },
): string {
  const channels = [...new Set(opts.choices.map((c) => c.channel))];
  const topics = [...new Set(opts.choices.map((c) => c.topic))];
  const box = (c: Choice) => {
    const label = ` aria-label="${escapeHtml(`${topicName(s, c.topic)}: ${s.channels[c.channel]}`)}"`;
    if (!c.granted && opts.grantRefusal) return `<input type="checkbox" id="${choiceKey(c)}"${label} disabled>`;
    return `<input type="hidden" name="shown" value="${choiceKey(c)}"><input type="checkbox" name="on" value="${choiceKey(c)}" id="${choiceKey(c)}"${label}${c.granted ? ' checked' : ''}>`;
  };
  const why = opts.grantRefusal === 'complaint' ? s.complained : opts.grantRefusal ? s.oldLink : null;
  const rows = topics
    .map((topic) => {
      const cells = channels.map((channel) => opts.choices.find((c) => c.channel === channel && c.topic === topic)!);
      return `<tr><td>${escapeHtml(topicName(s, topic))}</td>${cells.map((c) => `<td>${box(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `${opts.saved ? `<p class="notice" role="status">${escapeHtml(s.saved)}</p>` : ''}
<p>${escapeHtml(s.intro(opts.shop))}</p>
${why && opts.choices.some((c) => !c.granted) ? `<p class="note">${escapeHtml(why)}</p>\n` : ''}<form method="post" action="${escapeHtml(opts.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(opts.formToken)}">
<table><thead><tr><th>${escapeHtml(s.topicColumn)}</th>${channels.map((c) => `<th>${escapeHtml(s.channels[c])}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
<label class="all"><input type="checkbox" name="everything" value="1"> ${escapeHtml(s.everything)}</label>
<button type="submit">${escapeHtml(s.save)}</button>
</form>
<p><small>${escapeHtml(s.alwaysSent)}</small></p>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
