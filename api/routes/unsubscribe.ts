/**
 * The link in every marketing message. GET /unsubscribe?token= shows the preference center (link
 * scanners and mail previews fetch GETs, so a GET changes nothing). POST /unsubscribe?token= is
 * RFC 8058 one-click from the mail client (`List-Unsubscribe=One-Click`): it withdraws the message's
 * topic on that channel at once (a link minted before topics: every topic). The page's form posts
 * to POST /preferences?token=, which wants the page's form token (CSRF; preferences/form-token.ts).
 * The token names the customer, channel, topic and when it was minted, and is signed
 * (lib/unsubscribe-token.ts); nothing else is trusted. What a change means, and what a link may
 * grant, are contactability's rules (contactability/consents.ts, link-grants.ts).
 */
import express, { Router, type Response } from 'express';
import { unsubscribe } from '../../contactability/unsubscribe';
import type { Db } from '../../db/client';
import { logger } from '../../lib/logger';
import { verifyUnsubscribeToken, type UnsubscribeSubject } from '../../lib/unsubscribe-token';
import { choicesOf, saveChoices } from '../../preferences/choices';
import { formToken, formTokenValid } from '../../preferences/form-token';
import { escapeHtml, preferenceForm, sendPage } from '../../preferences/page';
import { shopName } from '../../preferences/shop';
import { listOf, preferencesForm } from '../../schemas/preferences';
import { stringsFor, topicName } from '../../preferences/strings';
import { htmlPage, mount, type ApiRoute } from '../declared-route';
import { z } from 'zod';

const unsubscribeQuery = z.object({ token: z.string().meta({ description: 'The signed token from the link in the message' }) });

export const unsubscribeRoutes = {
  page: {
    method: 'get',
    path: '/unsubscribe',
    summary: 'The preference center behind the link in every marketing message: channels × topics (changes nothing)',
    key: false,
    query: unsubscribeQuery,
    ok: { 200: { description: 'The preference center', ...htmlPage }, 400: { description: 'The link is not valid', ...htmlPage } },
    errors: [],
  },
  oneClick: {
    method: 'post',
    path: '/unsubscribe',
    summary: "Unsubscribe from the message's topic on its channel at once (RFC 8058 one-click)",
    key: false,
    query: unsubscribeQuery,
    ok: { 200: { description: 'Unsubscribed', ...htmlPage }, 400: { description: 'The link is not valid', ...htmlPage } },
    errors: [],
  },
  preferences: {
    method: 'post',
    path: '/preferences',
    summary: "The preference center's form: the boxes ticked, or everything off (wants the page's form token)",
    key: false,
    query: unsubscribeQuery,
    body: { schema: preferencesForm, type: 'application/x-www-form-urlencoded' },
    ok: { 303: { description: 'Saved: back to the page' }, 400: { description: 'The link is not valid', ...htmlPage }, 403: { description: 'No form token, or not this page\'s (CSRF)', ...htmlPage } },
    errors: [],
  },
} satisfies Record<string, ApiRoute>;

export function unsubscribeRouter(db: Db, secret: string | undefined): Router {
  const router = Router();
  const tokenOf = (q: unknown) => (typeof q === 'string' ? q : '');

  const subjectOf = (token: string, res: Response): UnsubscribeSubject | null => {
    const subject = secret ? verifyUnsubscribeToken(secret, token) : null;
    if (!subject) {
      const s = stringsFor(null);
      sendPage(res, 400, s, s.invalidTitle, `<p>${escapeHtml(s.invalidLink)}</p>`);
    }
    return subject;
  };

  mount(router, unsubscribeRoutes.page, async (req, res) => {
    const token = tokenOf(req.query.token);
    const subject = subjectOf(token, res);
    if (!subject) return;
    const found = await choicesOf(db, subject);
    const s = stringsFor(found?.customer.locale);
    if (!found?.choices.length) return sendPage(res, 200, s, s.title, `<p>${escapeHtml(s.nothingToChoose)}</p>`);
    const body = preferenceForm(s, {
      shop: shopName(),
      action: `/preferences?token=${encodeURIComponent(token)}`,
      formToken: formToken(secret!, token),
      choices: found.choices,
      grantRefusal: found.grantRefusal,
      saved: req.query.saved === '1',
    });
    sendPage(res, 200, s, s.title, body);
  });

  mount(router, unsubscribeRoutes.oneClick, async (req, res) => {
    const token = tokenOf(req.query.token);
    const subject = subjectOf(token, res);
    if (!subject) return;
    await unsubscribe(db, subject);
    logger.info({ customerId: subject.customerId, channel: subject.channel, topic: subject.topic ?? '*' }, 'customer unsubscribed');
    const found = await choicesOf(db, subject);
    const s = stringsFor(found?.customer.locale);
    const what = subject.topic ? topicName(s, subject.topic) : s.allTopics;
    sendPage(
      res,
      200,
      s,
      s.unsubscribedTitle,
      `<p>${escapeHtml(s.unsubscribed(what, s.channels[subject.channel]))}</p>
<p>${escapeHtml(s.alwaysSent)}</p>
<p><a href="${escapeHtml(`/unsubscribe?token=${encodeURIComponent(token)}`)}">${escapeHtml(s.manage)}</a></p>`,
    );
  });

  mount(router, unsubscribeRoutes.preferences, express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 200 }), async (req, res) => {
    const token = tokenOf(req.query.token);
    const subject = subjectOf(token, res);
    if (!subject) return;
    const form = preferencesForm.safeParse(req.body ?? {});
    if (!form.success || !formTokenValid(secret!, token, form.data.csrf)) {
      const found = await choicesOf(db, subject);
      const s = stringsFor(found?.customer.locale);
      logger.warn({ customerId: subject.customerId }, 'preference form refused: form token missing or not this page\'s');
      return sendPage(res, 403, s, s.forbiddenTitle, `<p>${escapeHtml(s.forbidden)}</p>`);
    }
    await saveChoices(db, subject, { shown: listOf(form.data.shown), on: listOf(form.data.on), everything: form.data.everything === '1' });
    logger.info({ customerId: subject.customerId, everything: form.data.everything === '1' }, 'preferences saved');
    // Post/redirect/get: a reload shows the page again instead of sending the form twice.
    res.redirect(303, `/unsubscribe?token=${encodeURIComponent(token)}&saved=1`);
  });

  return router;
}
