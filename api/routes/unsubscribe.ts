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
import { unsubscribe } from '../../contactability/consents';
import type { Db } from '../../db/client';
import { logger } from '../../lib/logger';
import { verifyUnsubscribeToken, type UnsubscribeSubject } from '../../lib/unsubscribe-token';
import { choicesOf, saveChoices } from '../../preferences/choices';
import { formToken, formTokenValid } from '../../preferences/form-token';
import { escapeHtml, preferenceForm, sendPage } from '../../preferences/page';
import { shopName } from '../../preferences/shop';
import { listOf, preferencesForm } from '../../schemas/preferences';
import { stringsFor, topicName } from '../../preferences/strings';

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

  router.get('/unsubscribe', async (req, res) => {
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

  router.post('/unsubscribe', async (req, res) => {
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

  router.post('/preferences', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 200 }), async (req, res) => {
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
