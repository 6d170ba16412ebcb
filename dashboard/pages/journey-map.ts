/**
 * A journey drawn as its step graph (journey-map/), an inline SVG made here on the server: a box per
 * step (kind, step id, channel and template or what it waits for, and its counts: waiting, sent,
 * converted), arrows to the steps that follow, a decision's outcomes written on its arrows and,
 * where an outcome ends the run, in its box. Colours are attributes, not styles (the page's CSP).
 */
import type { JourneyView } from '../../journey-map/view';
import type { JourneyStep } from '../../workflows/contract';
import { formatCount } from '../format';
import { html, type Markup } from '../html';
import { layoutGraph, NODE, type Placed } from '../journey-layout';

const FILL: Record<JourneyStep['kind'], string> = { send: '#e3f0ff', sleep: '#f2f2f2', wait: '#fff4e0', branch: '#f3e8ff', variant: '#e6f6ea' };
const clip = (text: string, max = 36) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function detailOf(step: JourneyStep): string {
  if (step.kind === 'send') return `${step.channels ? step.channels.join(' → ') : step.channel} · ${step.template}`;
  return step.label ?? '';
}

function endsOf(step: JourneyStep): string {
  const ends = (step.outcomes ?? []).filter((o) => o.next === null).map((o) => `${o.label}: end`);
  return ends.join(', ');
}

function node(p: Placed, counts: JourneyView['counts'][string] | undefined): Markup {
  const { step, x, y } = p;
  const c = counts ?? { waiting: 0, sent: 0, converted: 0 };
  const tx = x + 10;
  return html`<g class="journey-step" data-step="${step.id}" data-kind="${step.kind}">
<rect x="${x}" y="${y}" width="${NODE.width}" height="${NODE.height}" rx="6" fill="${FILL[step.kind]}" stroke="#7a8a9a"></rect>
<text x="${tx}" y="${y + 18}" font-size="12" fill="#555">${step.kind}</text><text x="${tx + 60}" y="${y + 18}" font-size="13" font-weight="600" fill="#222" data-field="id">${clip(step.id, 26)}</text>
<text x="${tx}" y="${y + 38}" font-size="12" fill="#333" data-field="detail">${clip(detailOf(step))}</text>
<text x="${tx}" y="${y + 56}" font-size="11" fill="#8a4b00">${clip(endsOf(step))}</text>
<text x="${tx}" y="${y + 78}" font-size="12" fill="#222">waiting <tspan font-weight="600" data-count="waiting">${formatCount(c.waiting)}</tspan> · sent <tspan font-weight="600" data-count="sent">${formatCount(c.sent)}</tspan> · converted <tspan font-weight="600" data-count="converted">${formatCount(c.converted)}</tspan></text>
</g>`;
}

/** The outcomes that lead from `from` to `to` ("a, b"), or nothing for a step that is not a decision. */
const edgeLabel = (from: JourneyStep, to: string) => (from.outcomes ?? []).filter((o) => o.next === to).map((o) => o.label).join(', ');

function edge(from: Placed, to: Placed, marker: string): Markup {
  const sx = from.x + NODE.width / 2;
  const sy = from.y + NODE.height;
  const tx = to.x + NODE.width / 2;
  const ty = to.y;
  const bend = (ty - sy) / 2;
  const label = edgeLabel(from.step, to.step.id);
  return html`<path class="journey-edge" data-from="${from.step.id}" data-to="${to.step.id}" d="M ${sx} ${sy} C ${sx} ${sy + bend}, ${tx} ${ty - bend}, ${tx} ${ty - 2}" fill="none" stroke="#55657a" stroke-width="1.5" marker-end="url(#${marker})"></path>${
    label ? html`<text x="${(sx + tx) / 2 + 6}" y="${(sy + ty) / 2 + 4}" font-size="11" fill="#55657a">${clip(label, 24)}</text>` : null
  }`;
}

export function journeyMapSvg(view: JourneyView): Markup {
  if (!view.steps.length) {
    return html`<p class="note" data-journey-map="${view.id}">${view.graphRecordedAt ? 'This journey sends nothing.' : 'No map yet: a worker draws it from the journey\'s code when it starts.'}</p>`;
  }
  const { nodes, width, height } = layoutGraph(view.steps, view.start);
  const marker = `arrow-${view.id}`;
  const edges = view.steps.flatMap((s) => s.next.map((n) => (nodes.has(n) ? edge(nodes.get(s.id)!, nodes.get(n)!, marker) : null)));
  return html`<svg class="journey-map" data-journey-map="${view.id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Steps of journey ${view.id}">
<title>Steps of journey ${view.id}</title>
<defs><marker id="${marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#55657a"></path></marker></defs>
${edges}
${[...nodes.values()].map((p) => node(p, view.counts[p.step.id]))}
</svg>`;
}

/** A journey's map with its heading line: paused or not, and when the graph was drawn. */
export function journeyMapSection(view: JourneyView, opts: { link?: boolean } = {}): Markup {
  const title = opts.link ? html`<a href="/dashboard/journeys/${encodeURIComponent(view.id)}">${view.id}</a>` : 'Map';
  return html`<section class="journey" data-journey="${view.id}"><h2>${title}${view.paused ? html` <span class="note" data-paused>(paused)</span>` : null}</h2>
<p class="note">${view.trigger ? html`Starts on <code>${view.trigger}</code>` : 'Started by a campaign or an audience'}${view.topic ? html` · topic ${view.topic}` : ' · transactional'}${
    view.graphRecordedAt ? html` · drawn from the code by the worker at ${view.graphRecordedAt}` : null
  }. Waiting: running runs whose latest step this is; sent: messages that reached the provider; converted: runs converted after this step's message.</p>
${journeyMapSvg(view)}
</section>`;
}
