/**
 * The unsubscribe link in every marketing message. GET shows a confirmation page (link scanners and
 * mail previews fetch GETs, so a GET changes nothing); POST unsubscribes at once: RFC 8058 one-click
 * from the mail client (`List-Unsubscribe=One-Click`) or the page's button. The token names the
 * customer and channel and is signed (lib/unsubscribe-token.ts); nothing else is trusted. What an
 * unsubscribe does is contactability's rule (contactability/consents.ts).
 */
import { Router, type Response } from 'express';
import { unsubscribe } from '../../contactability/consents';
import type { Db } from '../../db/client';
import { logger } from '../../lib/logger';
import { verifyUnsubscribeToken, type UnsubscribeSubject } from '../../lib/unsubscribe-token';
import type { Channel } from '../../workflows/contract';

const NOUN: Record<Channel, string> = { email: 'emails', sms: 'text messages', push: 'push notifications', webhook: 'wallet messages' };

export function unsubscribeRouter(db: Db, secret: string | undefined): Router {
  const router = Router();

  const subjectOf = (token: unknown, res: Response): UnsubscribeSubject | null => {
    const subject = secret ? verifyUnsubscribeToken(secret, token) : null;
    if (!subject) {
      page(res, 400, 'Link not valid', '<p>This unsubscribe link is not valid. Please use the link from the latest message you received.</p>');
    }
    return subject;
  };

  router.get('/unsubscribe', (req, res) => {
    const subject = subjectOf(req.query.token, res);
    if (!subject) return;
    const action = `/unsubscribe?token=${encodeURIComponent(String(req.query.token))}`;
    page(
      res,
      200,
      'Unsubscribe',
      `<p>Stop receiving marketing ${NOUN[subject.channel]} from us?</p>
<form method="post" action="${escapeHtml(action)}">
  <input type="hidden" name="List-Unsubscribe" value="One-Click">
  <button type="submit">Unsubscribe</button>
</form>`,
    );
  });

  router.post('/unsubscribe', async (req, res) => {
    const subject = subjectOf(req.query.token, res);
    if (!subject) return;
    await unsubscribe(db, subject);
    logger.info({ customerId: subject.customerId, channel: subject.channel }, 'customer unsubscribed');
    page(res, 200, 'Unsubscribed', `<p>You will not receive marketing ${NOUN[subject.channel]} from us any more. Order and service messages still reach you.</p>`);
  });

  return router;
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .set('cache-control', 'no-store')
    .send(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1.25rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`,
    );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
