/**
 * The frame of every dashboard page: the header (links home and to the templates, sign out), the email-health warning when
 * there is one, the page's own content, and the headers that keep it private and inert: no caching,
 * no framing, no Referer, and a CSP that runs only our own script files (no inline script, no event
 * handler attributes) and styles only from our stylesheet.
 */
import { privatePageHeaders } from '../../lib/private-page';
import type { Response } from 'express';
import { PAGE_SIGNATURE } from '../../preferences/page';
import { html, trusted, type Markup } from '../html';

export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface Frame {
  title: string;
  /** The sign-out form's token; absent on the login page. */
  formToken?: string;
  /** The email-health warning, shown on every page while it stands. */
  warning?: Markup | null;
  scripts?: string[];
}

export function sendDashboardPage(res: Response, status: number, frame: Frame, body: Markup): void {
  res
    .status(status)
    .type('html')
    .set(privatePageHeaders(DASHBOARD_CSP))
    .send(
      html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">${trusted(PAGE_SIGNATURE)}<title>${frame.title} · Cascade</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/assets/dashboard.css">
${(frame.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head><body>
<header><nav><a class="home" href="/dashboard">Cascade results</a><a href="/dashboard/journeys">Journey maps</a><a href="/dashboard/templates">Templates</a></nav>${
        frame.formToken
          ? html`<form method="post" action="/dashboard/logout" class="logout"><input type="hidden" name="csrf" value="${frame.formToken}"><button type="submit">Sign out</button></form>`
          : null
      }</header>
${frame.warning ?? null}
<main><h1>${frame.title}</h1>
${body}
</main></body></html>`.toString(),
    );
}
