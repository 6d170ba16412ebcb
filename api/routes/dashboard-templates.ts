/**
 * GET /dashboard/templates and /dashboard/templates/:name: the template pages (dashboard/pages/templates.ts),
 * mounted by the dashboard's router behind its session check, rendered through the same previewer
 * as POST /v1/templates/:name/preview.
 */
import type { RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { warningOf } from '../../dashboard/data';
import { templateListPage, templatePage } from '../../dashboard/pages/templates';
import { sendDashboardPage } from '../../dashboard/pages/layout';
import { sessionFormToken } from '../../dashboard/session';
import type { Db } from '../../db/client';
import { parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { templateNameSchema } from '../../schemas/templates';
import { readCatalogue } from '../../template-preview/catalogue';
import { renderGallery } from '../../template-preview/gallery';
import { createPreviewer, findTemplate } from '../../template-preview/preview';
import type { TemplateTools } from '../../template-preview/tools';
import { htmlPage, mount, type ApiRoute } from '../declared-route';

const pageQuery = z.object({ customerId: z.preprocess((v) => v || undefined, customerIdSchema.optional()) });

export const dashboardTemplateRoutes = {
  list: {
    method: 'get',
    path: '/dashboard/templates',
    summary: 'Every template with its channels, locales and variables (signed in)',
    key: false,
    ok: { 200: { description: 'The list', ...htmlPage }, 303: { description: 'Not signed in' } },
    errors: [],
  },
  template: {
    method: 'get',
    path: '/dashboard/templates/{name}',
    summary: 'One template, each locale and channel rendered side by side, for a sample or a stored customer (signed in)',
    key: false,
    params: { name: templateNameSchema },
    query: pageQuery,
    ok: { 200: { description: 'The template page', ...htmlPage }, 303: { description: 'Not signed in' }, 400: { description: 'A bad customer id, named', ...htmlPage }, 404: { description: 'No such template or customer', ...htmlPage } },
    errors: [],
  },
} satisfies Record<string, ApiRoute>;

/** `signedIn` is the dashboard's session check; it leaves the session id in `res.locals.dashboardSession`. */
export function mountTemplatePages(router: Router, signedIn: RequestHandler, deps: TemplateTools & { db: Db; publicUrl?: string }): void {
  const preview = createPreviewer(deps);
  const frame = async (res: Response, title: string) => ({ title, formToken: sessionFormToken(res.locals.dashboardSession as string), warning: await warningOf(deps.db) });

  mount(router, dashboardTemplateRoutes.list, signedIn, async (_req, res) => {
    sendDashboardPage(res, 200, await frame(res, 'Templates'), templateListPage(await readCatalogue()));
  });

  mount(router, dashboardTemplateRoutes.template, signedIn, async (req, res) => {
    const entry = await findTemplate(parse(templateNameSchema, req.params.name, 'name'));
    const { customerId } = parse(pageQuery, req.query);
    const renditions = await renderGallery(preview, entry, customerId);
    sendDashboardPage(res, 200, await frame(res, `Template ${entry.name}`), templatePage(entry, renditions, customerId));
  });
}
