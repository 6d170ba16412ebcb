/**
 * A journey's or a campaign's results: the filters (period, attribution), the funnel from sent to
 * converted, the rates over time as a chart (drawn by /dashboard/assets/rates-chart.js from the JSON
 * block, so the page holds no inline script), the per-step and per-channel tables, and the
 * experiments. Every number is the analytics module's; this file only lays them out.
 */
import type { Counts, JourneyResults, Rates } from '../../analytics/funnel';
import type { DashboardFilters } from '../../schemas/dashboard';
import { formatCount, formatMoney, formatRate } from '../format';
import { html, jsonBlock, type Markup } from '../html';

/** One day of the chart: the day (YYYY-MM-DD) and its rates. */
export type DayRates = { day: string; rates: Pick<Rates, 'delivery' | 'open' | 'click' | 'conversion'> };

/** The funnel's stages, each with the rate (of sent) that reaches it. */
const STAGES = [
  { stage: 'sent', label: 'Sent', rate: null },
  { stage: 'delivered', label: 'Delivered', rate: 'delivery' },
  { stage: 'opened', label: 'Opened', rate: 'open' },
  { stage: 'clicked', label: 'Clicked', rate: 'click' },
  { stage: 'converted', label: 'Converted', rate: 'conversion' },
] as const;

export function resultsPage(opts: { action: string; filters: DashboardFilters; results: JourneyResults; series: DayRates[]; experiments?: Markup | null }): Markup {
  const r = opts.results;
  return html`${filtersForm(opts.action, opts.filters)}
<section class="funnel" aria-label="Funnel"><h2>Funnel</h2><ol>
${STAGES.map(
  (s) => html`<li data-stage="${s.stage}"><span class="label">${s.label}</span> <span class="count" data-value="${r[s.stage]}">${formatCount(r[s.stage])}</span>
${s.rate ? html`<span class="rate" data-value="${r.rates[s.rate]}">${formatRate(r.rates[s.rate])}</span><meter min="0" max="1" value="${r.rates[s.rate]}"></meter>` : html`<meter min="0" max="1" value="${r.sent ? 1 : 0}"></meter>`}</li>`,
)}
</ol>
<p class="aside">Bounced <span data-count="bounced">${formatCount(r.bounced)}</span> · complained <span data-count="complained">${formatCount(r.complained)}</span> · unsubscribed <span data-count="unsubscribed">${formatCount(r.unsubscribed)}</span> · orders <span data-count="conversions">${formatCount(r.conversions)}</span> · revenue <span data-count="revenue">${formatMoney(r.revenue)}</span> · clicked of opened <span data-rate="clickOfOpened">${formatRate(r.rates.clickOfOpened)}</span></p>
</section>
<section><h2>Rates over time</h2>
${opts.series.length ? html`<div class="chart"><canvas id="rates-chart" role="img" aria-label="Delivery, open, click and conversion rates by day"></canvas></div>${jsonBlock('rates-series', opts.series)}` : html`<p>Nothing sent in this period.</p>`}
</section>
<section><h2>By step</h2>${countsTable('Step', r.steps.map((s) => ({ name: s.step, ...s })))}</section>
<section><h2>By channel</h2>${countsTable('Channel', r.channels.map((c) => ({ name: c.channel, ...c })))}</section>
${opts.experiments ?? null}`;
}

function filtersForm(action: string, f: DashboardFilters): Markup {
  const option = (value: DashboardFilters['attribution'], label: string) => html`<option value="${value}"${f.attribution === value ? html` selected` : null}>${label}</option>`;
  return html`<form method="get" action="${action}" class="filters">
<label>From <input type="date" name="from" value="${f.from ?? ''}"></label>
<label>To (inclusive) <input type="date" name="to" value="${f.to ?? ''}"></label>
<label>Attribution <select name="attribution">${option('last-touch', 'last touch')}${option('last-click', 'last click')}</select></label>
<button type="submit">Show</button>
</form>`;
}

function countsTable(what: string, rows: Array<Counts & { name: string }>): Markup {
  if (!rows.length) return html`<p>Nothing sent.</p>`;
  return html`<table class="counts"><thead><tr><th>${what}</th><th class="num">Sent</th><th class="num">Delivered</th><th class="num">Opened</th><th class="num">Clicked</th><th class="num">Bounced</th><th class="num">Complained</th><th class="num">Unsubscribed</th><th class="num">Converted</th><th class="num">Revenue</th><th class="num">Conversion</th></tr></thead><tbody>
${rows.map(
  (row) => html`<tr data-row="${row.name}"><th scope="row">${row.name}</th>${(['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained', 'unsubscribed', 'converted'] as const).map(
    (k) => html`<td class="num" data-count="${k}">${formatCount(row[k])}</td>`,
  )}<td class="num" data-count="revenue">${formatMoney(row.revenue)}</td><td class="num">${formatRate(row.rates.conversion)}</td></tr>`,
)}
</tbody></table>`;
}
