/** The email-health warning as a banner on every dashboard page: each broken rule, and what to do about it. */
import type { EmailHealth } from '../../analytics/email-health';
import { html, type Markup } from '../html';

export function healthBanner(health: EmailHealth): Markup | null {
  if (!health.warnings.length) return null;
  return html`<aside class="warning" role="alert" aria-label="Email health">
${health.warnings.map((w) => html`<p data-rule="${w.rule}"><strong>${w.message}</strong> ${w.whatToDo}</p>`)}
</aside>`;
}
