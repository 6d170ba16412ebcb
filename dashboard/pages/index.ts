/** The dashboard's home: every journey (from the registry) and every campaign, each linking to its results. */
import type { Campaign } from '../../db/queries/campaigns';
import { html, type Markup } from '../html';

export function indexPage(journeys: Array<{ id: string; transactional: boolean }>, campaigns: Campaign[]): Markup {
  return html`<section><h2>Journeys</h2>
<table class="list"><thead><tr><th>Journey</th><th>Kind</th></tr></thead><tbody>
${journeys.map((j) => html`<tr><td><a href="/dashboard/journeys/${encodeURIComponent(j.id)}">${j.id}</a></td><td>${j.transactional ? 'transactional' : 'marketing'}</td></tr>`)}
</tbody></table></section>
<section><h2>Campaigns</h2>
${
  campaigns.length
    ? html`<table class="list"><thead><tr><th>Campaign</th><th>Journey</th><th>Status</th><th class="num">Enrolled</th></tr></thead><tbody>
${campaigns.map((c) => html`<tr><td><a href="/dashboard/campaigns/${encodeURIComponent(c.id)}">${c.id}</a></td><td>${c.journey}</td><td>${c.status}</td><td class="num">${c.enrolled}</td></tr>`)}
</tbody></table>`
    : html`<p>No campaigns yet.</p>`
}</section>`;
}
