/**
 * GET /dashboard: the results pages people look at, behind the API's own keys. A person signs in by
 * posting a key (read scope) to /dashboard/login; that opens a session on the server
 * (access/dashboard-sessions.ts) whose random id, not the key, goes in an HttpOnly, SameSite=Strict
 * cookie (dashboard/session.ts). Every request checks the session and its key again. Pages are rendered
 * here on the server (dashboard/pages/); the only scripts are Chart.js, served from node_modules, and
 * the chart file next to the stylesheet in dashboard/assets/.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { closeDashboardSession, DASHBOARD_SESSION_MS, dashboardSessionIdentity, mayUseDashboard, openDashboardSession } from '../../access/dashboard-sessions';
import type { KeyVerifier } from '../../access/verifier';
import { resultsData, warningOf } from '../../dashboard/data';
import { html } from '../../dashboard/html';
import { indexPage } from '../../dashboard/pages/index';
import { sendDashboardPage } from '../../dashboard/pages/layout';
import { loginForm } from '../../dashboard/pages/login';
import { resultsPage } from '../../dashboard/pages/results';
import { journeyMapSection } from '../../dashboard/pages/journey-map';
import { journeyViews } from '../../journey-map/view';
import type { Client } from '@temporalio/client';
import { dashboardCookies, sessionFormToken, sessionFormTokenValid } from '../../dashboard/session';
import type { Db } from '../../db/client';
import { getCampaign, listCampaigns } from '../../db/queries/campaigns';
import { HttpError, parse, problemOf } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import { fromRoot } from '../../lib/paths';
import { dashboardFilters, dashboardLoginForm, dashboardLogoutForm } from '../../schemas/dashboard';
import { allJourneys, journeyById } from '../../workflows/registry';
import { campaignRefSchema } from '../../schemas/campaigns';
import { z } from 'zod';
import { htmlPage, mount, type ApiRoute } from '../declared-route';
import type { TemplateTools } from '../../template-preview/tools';
import { mountTemplatePages } from './dashboard-templates';

const ASSETS = fromRoot('dashboard', 'assets');
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
// Assets are named by what they are, not by a hash: a day of caching keeps a new version from waiting long.
const ASSET_HEADERS = { 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' };
const SCRIPTS = ['/dashboard/assets/chart.umd.min.js', '/dashboard/assets/rates-chart.js'];

/** Where to go after signing in: a dashboard page of this site, nothing else (no open redirect). */
function nextPage(next: unknown): string {
  return typeof next === 'string' && /^\/dashboard(\/[\w.~%-]+)*\/?(\?[\w.~%=&+-]*)?$/.test(next) ? next : '/dashboard';
}

export const dashboardRoutes = {
  home: {
    method: 'get',
    path: '/dashboard',
    summary: 'The dashboard: every journey and campaign (signed in; otherwise 303 to the login form)',
    key: false,
    ok: { 200: { description: 'The list', ...htmlPage }, 303: { description: 'Not signed in: to /dashboard/login' } },
    errors: [],
  },
  loginForm: {
    method: 'get',
    path: '/dashboard/login',
    summary: 'The sign-in form (sets the form-token cookie)',
    key: false,
    ok: { 200: { description: 'The form', ...htmlPage }, 303: { description: 'Already signed in' } },
    errors: [],
  },
  login: {
    method: 'post',
    path: '/dashboard/login',
    summary: 'Sign in with an API key with the read scope: sets the HttpOnly, SameSite=Strict session cookie',
    key: false,
    body: { schema: dashboardLoginForm, type: 'application/x-www-form-urlencoded' },
    ok: {
      303: { description: 'Signed in: to the page asked for' },
      400: { description: 'The form is incomplete', ...htmlPage },
      401: { description: 'Unknown or revoked key', ...htmlPage },
      403: { description: 'No form token, or the key lacks the read scope', ...htmlPage },
    },
    errors: [],
  },
  logout: {
    method: 'post',
    path: '/dashboard/logout',
    summary: 'Sign out (wants the page\'s form token)',
    key: false,
    body: { schema: dashboardLogoutForm, type: 'application/x-www-form-urlencoded' },
    ok: { 303: { description: 'Signed out: to the login form' }, 403: { description: 'No form token, or not this session\'s', ...htmlPage } },
    errors: [],
  },
  journeys: {
    method: 'get',
    path: '/dashboard/journeys',
    summary: 'Every journey drawn as its step graph, with the runs waiting at each step, messages sent and runs converted (signed in)',
    key: false,
    ok: { 200: { description: 'The maps', ...htmlPage }, 303: { description: 'Not signed in' } },
    errors: [],
  },
  journey: {
    method: 'get',
    path: '/dashboard/journeys/{journey}',
    summary: "A journey's map and results: step graph with live counts, funnel, rates over time, steps, channels, experiments (signed in)",
    key: false,
    params: { journey: z.string().meta({ description: 'A journey id (workflows/journeys/)' }) },
    query: dashboardFilters,
    ok: { 200: { description: 'The results page', ...htmlPage }, 303: { description: 'Not signed in' }, 400: { description: 'A bad filter, named', ...htmlPage }, 404: { description: 'No such journey', ...htmlPage } },
    errors: [],
  },
  campaign: {
    method: 'get',
    path: '/dashboard/campaigns/{id}',
    summary: "A campaign's results, as a journey's but only its runs (signed in)",
    key: false,
    params: { id: campaignRefSchema },
    query: dashboardFilters,
    ok: { 200: { description: 'The results page', ...htmlPage }, 303: { description: 'Not signed in' }, 400: { description: 'A bad filter, named', ...htmlPage }, 404: { description: 'No such campaign', ...htmlPage } },
    errors: [],
  },
} satisfies Record<string, ApiRoute>;

/** `failedSignIns`: the API's limit on failed authentications per address (api/limits/failed-auth.ts), shared with /v1. */
export function dashboardRouter(deps: { db: Db; client: Client; verifier: KeyVerifier; publicUrl?: string; failedSignIns?: RequestHandler; templates: TemplateTools }): Router {
  const { db, verifier } = deps;
  const cookies = dashboardCookies(deps.publicUrl);
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  router.get('/dashboard/assets/chart.umd.min.js', (_req, res) => res.set(ASSET_HEADERS).sendFile(CHART_JS));
  for (const file of ['rates-chart.js', 'dashboard.css']) {
    router.get(`/dashboard/assets/${file}`, (_req, res) => res.set(ASSET_HEADERS).sendFile(join(ASSETS, file)));
  }

  const showLogin = (req: Request, res: Response, status: number, next: string, problem?: string) =>
    sendDashboardPage(res, status, { title: 'Sign in' }, loginForm({ formToken: cookies.issueLoginToken(req, res), next, problem }));

  /** Whose session this is: live, its key still valid and able to read; otherwise to the login page and back here after it. */
  const signedIn: RequestHandler = async (req, res, next) => {
    const sessionId = cookies.sessionOf(req);
    const identity = sessionId ? await dashboardSessionIdentity(db, verifier, sessionId) : undefined;
    if (!sessionId || !identity) {
      if (sessionId) cookies.endSession(req, res);
      // Back to the page after signing in; a form's target is no page to go back to.
      const back = req.method === 'GET' ? nextPage(req.originalUrl) : '/dashboard';
      return res.redirect(303, `/dashboard/login?next=${encodeURIComponent(back)}`);
    }
    res.locals.dashboardSession = sessionId;
    res.locals.dashboardKeyId = identity.id;
    next();
  };
  const sessionIdOf = (res: Response) => res.locals.dashboardSession as string;

  mount(router, dashboardRoutes.loginForm, async (req, res) => {
    const sessionId = cookies.sessionOf(req);
    if (sessionId) {
      if (await dashboardSessionIdentity(db, verifier, sessionId)) return res.redirect(303, nextPage(req.query.next));
      cookies.endSession(req, res);
    }
    showLogin(req, res, 200, nextPage(req.query.next));
  });

  const limited: RequestHandler[] = deps.failedSignIns ? [deps.failedSignIns] : [];
  mount(router, dashboardRoutes.login, ...limited, form, async (req, res) => {
    const parsed = dashboardLoginForm.safeParse(req.body ?? {});
    if (!parsed.success) return showLogin(req, res, 400, '/dashboard', problemOf(parsed.error).message);
    const { key, csrf, next } = parsed.data;
    if (!cookies.loginTokenValid(req, csrf)) {
      logger.warn('dashboard sign-in refused: form token missing or not this browser\'s');
      return showLogin(req, res, 403, nextPage(next), 'The form expired: please sign in again.');
    }
    const identity = await verifier.verify(key);
    if (!identity) return showLogin(req, res, 401, nextPage(next), 'Unknown or revoked API key.');
    if (!mayUseDashboard(identity)) return showLogin(req, res, 403, nextPage(next), 'That key lacks the read scope.');
    // A session already in this browser is replaced, not left to expire.
    const previous = cookies.sessionOf(req);
    if (previous) await closeDashboardSession(db, previous);
    const { sessionId } = await openDashboardSession(db, identity.id);
    logger.info({ keyId: identity.id }, 'dashboard sign-in');
    cookies.startSession(req, res, sessionId, DASHBOARD_SESSION_MS);
    // Post/redirect/get: a reload does not post the key again.
    res.redirect(303, nextPage(next));
  });

  mount(router, dashboardRoutes.logout, form, signedIn, async (req, res) => {
    const parsed = dashboardLogoutForm.safeParse(req.body ?? {});
    if (!parsed.success || !sessionFormTokenValid(sessionIdOf(res), parsed.data.csrf)) throw new HttpError(403, 'forbidden', 'The sign-out form is not this page\'s.');
    await closeDashboardSession(db, sessionIdOf(res));
    logger.info({ keyId: res.locals.dashboardKeyId }, 'dashboard sign-out');
    cookies.endSession(req, res);
    res.redirect(303, '/dashboard/login');
  });

  mount(router, dashboardRoutes.home, signedIn, async (_req, res) => {
    const [campaigns, warning] = await Promise.all([listCampaigns(db), warningOf(db)]);
    const journeys = allJourneys.map((j) => ({ id: j.options.id, transactional: j.options.transactional === true }));
    sendDashboardPage(res, 200, { title: 'Journeys and campaigns', formToken: sessionFormToken(sessionIdOf(res)), warning }, indexPage(journeys, campaigns));
  });

  mount(router, dashboardRoutes.journeys, signedIn, async (_req, res) => {
    const [views, warning] = await Promise.all([journeyViews(deps, allJourneys), warningOf(db)]);
    sendDashboardPage(res, 200, { title: 'Journey maps', formToken: sessionFormToken(sessionIdOf(res)), warning }, html`${views.map((v) => journeyMapSection(v, { link: true }))}`);
  });

  mount(router, dashboardRoutes.journey, signedIn, async (req, res) => {
    const journey = journeyById(req.params.journey as string);
    if (!journey) throw new HttpError(404, 'not_found', `No journey ${req.params.journey}`);
    const filters = parse(dashboardFilters, req.query);
    const [page, [view]] = await Promise.all([resultsData(db, { journey: journey.options.id }, filters), journeyViews(deps, [journey])]);
    sendDashboardPage(
      res,
      200,
      { title: `Journey ${journey.options.id}`, formToken: sessionFormToken(sessionIdOf(res)), warning: page.warning, scripts: SCRIPTS },
      html`${journeyMapSection(view!)}
${resultsPage({ action: `/dashboard/journeys/${encodeURIComponent(journey.options.id)}`, filters, ...page })}`,
    );
  });

  mount(router, dashboardRoutes.campaign, signedIn, async (req, res) => {
    const campaign = await getCampaign(db, req.params.id as string);
    if (!campaign) throw new HttpError(404, 'not_found', `No campaign ${req.params.id}`);
    const filters = parse(dashboardFilters, req.query);
    const page = await resultsData(db, { journey: campaign.journey, campaignId: campaign.id }, filters);
    sendDashboardPage(
      res,
      200,
      { title: `Campaign ${campaign.id}`, formToken: sessionFormToken(sessionIdOf(res)), warning: page.warning, scripts: SCRIPTS },
      html`<p class="note">Journey <a href="/dashboard/journeys/${encodeURIComponent(campaign.journey)}">${campaign.journey}</a> · ${campaign.status} · ${campaign.enrolled} enrolled</p>
${resultsPage({ action: `/dashboard/campaigns/${encodeURIComponent(campaign.id)}`, filters, ...page })}`,
    );
  });

  mountTemplatePages(router, signedIn, { db, publicUrl: deps.publicUrl, ...deps.templates });

  // The dashboard's refusals are pages, not the API's JSON: a person reads them.
  const pageErrors: ErrorRequestHandler = (err, _req, res, next) => {
    if (!(err instanceof HttpError)) return next(err);
    const sessionId = res.locals.dashboardSession as string | undefined;
    sendDashboardPage(res, err.status, { title: err.status === 404 ? 'Not found' : 'Cannot show this', formToken: sessionId && sessionFormToken(sessionId) }, html`<p class="problem" role="alert">${err.message}</p><p><a href="/dashboard">All journeys and campaigns</a></p>`);
  };
  router.use('/dashboard', pageErrors);
  return router;
}
