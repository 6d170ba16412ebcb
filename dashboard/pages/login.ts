/** The sign-in form: the API key goes in a password field and is POSTed, never into a URL. */
import { html, type Markup } from '../html';

export function loginForm(opts: { formToken: string; next: string; problem?: string }): Markup {
  return html`${opts.problem ? html`<p class="problem" role="alert">${opts.problem}</p>` : null}
<form method="post" action="/dashboard/login" class="login">
<input type="hidden" name="csrf" value="${opts.formToken}">
<input type="hidden" name="next" value="${opts.next}">
<label for="key">API key (read scope)</label>
<input type="password" id="key" name="key" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Any key with the <code>read</code> scope: <code>npm run api-key -- create --name dashboard --scopes read</code>.</p>`;
}
