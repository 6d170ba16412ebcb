/**
 * The dashboard's one template helper: a tagged template that HTML-escapes every interpolated value
 * unless it is markup this helper made itself, so a journey id, campaign id or error text can never
 * become markup. Lists of markup are joined; null, undefined and false render nothing.
 */
import { escapeHtml } from '../preferences/page';

const MARKUP = Symbol('markup');

export interface Markup {
  readonly [MARKUP]: string;
  toString(): string;
}

type Value = Markup | string | number | null | undefined | false | readonly Value[];

function markup(text: string): Markup {
  return { [MARKUP]: text, toString: () => text };
}

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object' && MARKUP in value) return value[MARKUP];
  return escapeHtml(String(value));
}

/** Markup written in our code as a constant (never built from data), e.g. the shared page signature. */
export function trusted(constant: string): Markup {
  return markup(constant);
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  return markup(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]!) : ''), ''));
}

/**
 * Data for the page's script, in a `<script type="application/json">` block: JSON with `<`, `>` and
 * `&` escaped so no value can close the block (`</script>`) or open a comment.
 */
export function jsonBlock(id: string, data: unknown): Markup {
  const json = JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return markup(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}
