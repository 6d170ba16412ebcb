/**
 * A webhook receiver on 127.0.0.1, as a wallet app would run one for Cascade's webhook channel
 * (activities/channels/webhook.ts): it checks each POST's Standard Webhooks signature with the
 * standardwebhooks library and keeps what arrived. `received` holds every request, verified or not;
 * `answerNext` queues answers (a status; 'hang': no answer ever; 'endless': 200 with a body that
 * never ends, its bytes and whether the sender closed on it kept in `endless`), then 200. With `processingMs`
 * a message is taken (in `received`) at once and answered that much later, so a sender killed
 * meanwhile sends it again: the receiver dedupes by `webhook-id`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { WebhookPayload } from '../../activities/channels/webhook';
import { listen, readBody, type FakeServer } from './fake-server';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  raw: string;
  /** The payload when the signature verifies, else the library's error. */
  verified: WebhookPayload | Error;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
}

export type WebhookAnswer = number | 'hang' | 'endless';

export class FakeWebhookReceiver {
  readonly secret = `whsec_${randomBytes(24).toString('base64')}`;
  readonly received: ReceivedWebhook[] = [];
  readonly endless: Array<{ bytes: number; closed: boolean }> = [];
  private readonly answers: Array<WebhookAnswer> = [];
  private http!: FakeServer;

  private constructor(private readonly processingMs: number) {}

  static async start(opts: { processingMs?: number } = {}): Promise<FakeWebhookReceiver> {
    const fake = new FakeWebhookReceiver(opts.processingMs ?? 0);
    fake.http = await listen((req, res) => void fake.handle(req, res));
    return fake;
  }

  get url(): string {
    return `${this.http.url}/cascade-hook`;
  }

  /** What Cascade's webhook channel needs to reach this receiver. */
  env(): Record<string, string> {
    return { CASCADE_WEBHOOK_URL: this.url, CASCADE_WEBHOOK_SECRET: this.secret };
  }

  answerNext(...answers: WebhookAnswer[]): void {
    this.answers.push(...answers);
  }

  /** The verified messages, one per `webhook-id`: what the wallet app shows after deduplication. */
  deduplicated(): Map<string, WebhookPayload> {
    const byId = new Map<string, WebhookPayload>();
    for (const r of this.received) if (!(r.verified instanceof Error)) byId.set(r.headers['webhook-id']!, r.verified);
    return byId;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const raw = await readBody(req);
    const headers = req.headers as Record<string, string>;
    let verified: WebhookPayload | Error;
    try {
      verified = new Webhook(this.secret).verify(raw, headers) as WebhookPayload;
    } catch (err) {
      verified = err as Error;
    }
    this.received.push({ headers, raw, verified, receivedAt });
    const next = this.answers.shift() ?? 200;
    if (next === 'hang') return;
    if (next === 'endless') return this.answerEndlessly(res);
    if (this.processingMs) await new Promise((r) => setTimeout(r, this.processingMs));
    res.writeHead(next).end();
  }

  private answerEndlessly(res: ServerResponse): void {
    const answer = { bytes: 0, closed: false };
    this.endless.push(answer);
    res.once('close', () => (answer.closed = true));
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    const pump = () => {
      while (!answer.closed && res.write(chunk)) answer.bytes += chunk.length;
      if (!answer.closed) res.once('drain', pump);
    };
    pump();
  }
}
