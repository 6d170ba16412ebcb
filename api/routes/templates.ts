/** GET /v1/templates, POST /v1/templates/:name/preview and /v1/templates/:name/test-send. */
import { Router } from 'express';
import type { Db } from '../../db/client';
import { parse } from '../../lib/http-error';
import { previewAnswer, previewBody, templateListAnswer, templateNameSchema, testSendAnswer, testSendBody } from '../../schemas/templates';
import { readCatalogue } from '../../template-preview/catalogue';
import { createPreviewer } from '../../template-preview/preview';
import { createTestSender } from '../../template-preview/test-send';
import type { TemplateTools } from '../../template-preview/tools';
import { mount, type ApiRoute } from '../declared-route';
import { jsonBody } from '../json-body';

const name = templateNameSchema.meta({ description: 'The file name before .<channel>.liquid, e.g. welcome-hello' });

export const templateRoutes = {
  list: {
    method: 'get',
    path: '/v1/templates',
    summary: 'Every template: its channels, locales and the variables it reads',
    key: 'read',
    ok: { 200: { description: 'The templates, by name', schema: templateListAnswer } },
    errors: [401],
  },
  preview: {
    method: 'post',
    path: '/v1/templates/{name}/preview',
    summary: 'Render a template as it would go out, for a stored customer or sample data; nothing is sent',
    key: 'read',
    params: { name },
    body: { schema: previewBody },
    ok: { 200: { description: 'The rendered message', schema: previewAnswer } },
    errors: [400, 401, 404, 415],
  },
  testSend: {
    method: 'post',
    path: '/v1/templates/{name}/test-send',
    audit: { action: 'template.test-send', target: (req) => `template:${req.params.name}` },
    summary: 'Send a copy marked [Test] through the channel\'s provider: no ledger row, so in no analytics, cap or email health',
    key: 'admin',
    params: { name },
    body: { schema: testSendBody },
    ok: { 202: { description: 'The provider took it', schema: testSendAnswer } },
    errors: [400, 401, 403, 404, 415, 502],
  },
} satisfies Record<string, ApiRoute>;

export function templatesRouter(deps: TemplateTools & { db: Db; publicUrl?: string }): Router {
  const router = Router();
  const preview = createPreviewer(deps);
  const testSend = createTestSender({ channels: deps.channels, preview });

  mount(router, templateRoutes.list, async (_req, res) => {
    res.json(await readCatalogue());
  });

  mount(router, templateRoutes.preview, jsonBody, async (req, res) => {
    const template = parse(name, req.params.name, 'name');
    res.json(await preview(template, parse(previewBody, req.body ?? {})));
  });

  mount(router, templateRoutes.testSend, jsonBody, async (req, res) => {
    const template = parse(name, req.params.name, 'name');
    res.status(202).json(await testSend(template, parse(testSendBody, req.body ?? {})));
  });
  return router;
}
