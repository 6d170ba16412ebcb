/**
 * The experiments section of a results page: each `j.variant` experiment's variants (runs, sends,
 * conversions, and the two-proportion test against the control), and the holdout against the
 * treated customers (uplift). The numbers and the tests are analytics/experiments.ts's.
 */
import type { ExperimentsAnswer, HoldoutResults, VariantResults } from '../../analytics/experiments';
import { formatCount, formatMoney, formatPoints, formatPValue, formatRate } from '../format';
import { html, type Markup } from '../html';

export function experimentsSection(answer: ExperimentsAnswer): Markup {
  const nothing = !answer.experiments.length && !answer.holdout;
  return html`<section class="experiments"><h2>Experiments</h2>
<p class="note">Counted per run (one customer's enrolment): a run converts when ${answer.goal ? html`<code>${answer.goal.event}</code> follows its start within the goal window` : 'the journey has a goal (this one has none)'}; the test is a two-sided two-proportion z-test at 5 %.</p>
${nothing ? html`<p>No A/B split (<code>j.variant</code>) or holdout in these runs.</p>` : null}
${answer.experiments.map((e) => variantsTable(e.experiment, e.variants))}
${answer.holdout ? holdoutTable(answer.holdout) : null}
</section>`;
}

function variantsTable(experiment: string, variants: VariantResults[]): Markup {
  return html`<h3>${experiment}</h3>
<table class="counts" data-experiment="${experiment}"><thead><tr><th>Variant</th><th class="num">Runs</th><th class="num">Sent</th><th class="num">Converted</th><th class="num">Conversion</th><th class="num">Revenue</th><th class="num">vs control</th><th class="num">p</th><th>Significant</th></tr></thead><tbody>
${variants.map(
  (v) => html`<tr data-row="${v.variant}"><th scope="row">${v.variant}</th><td class="num" data-count="runs">${formatCount(v.runs)}</td><td class="num" data-count="sent">${formatCount(v.sent)}</td><td class="num" data-count="converted">${formatCount(v.converted)}</td><td class="num" data-rate="conversion">${formatRate(v.conversionRate)}</td><td class="num">${formatMoney(v.revenue)}</td>${
    v.vsControl
      ? html`<td class="num" data-rate="difference">${formatPoints(v.vsControl.difference)}</td><td class="num">${formatPValue(v.vsControl.pValue)}</td><td>${v.vsControl.significant ? 'yes' : 'no'}</td>`
      : html`<td class="num">control</td><td></td><td></td>`
  }</tr>`,
)}
</tbody></table>`;
}

function holdoutTable(h: HoldoutResults): Markup {
  const row = (name: string, key: string, g: HoldoutResults['treated']) =>
    html`<tr data-row="${key}"><th scope="row">${name}</th><td class="num" data-count="runs">${formatCount(g.runs)}</td><td class="num" data-count="converted">${formatCount(g.converted)}</td><td class="num" data-rate="conversion">${formatRate(g.conversionRate)}</td><td class="num">${formatMoney(g.revenue)}</td></tr>`;
  return html`<h3>Holdout</h3>
<table class="counts" data-experiment="holdout"><thead><tr><th>Group</th><th class="num">Runs</th><th class="num">Converted</th><th class="num">Conversion</th><th class="num">Revenue</th></tr></thead><tbody>
${row('Treated', 'treated', h.treated)}${row('Held out (sent nothing)', 'holdout', h.holdout)}
</tbody></table>
<p class="uplift">Uplift <strong data-rate="uplift">${formatPoints(h.uplift.absolute)}</strong>${h.uplift.relative === null ? null : html` (${formatRate(h.uplift.relative)} over the holdout)`}, p ${formatPValue(h.uplift.pValue)}: ${h.uplift.significant ? 'significant' : 'not significant at 5 %'}.</p>`;
}
