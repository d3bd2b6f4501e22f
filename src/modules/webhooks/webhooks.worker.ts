import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../db/connect.js';
import type { DeliveryStatus } from '../../db/database.js';
import { outboxSignal } from './webhooks.outbox.js';
import { Agent, fetch } from 'undici';
import {
  claimDueDeliveries,
  loadDeliveryJobs,
  recordAttempt,
  releaseDelivery,
  type DeliveryJob,
} from './webhooks.store.js';
import { checkLiteralTarget, guardedAgent } from './safe-target.js';
import { signatureHeaders } from './webhook-signature.js';
import { PollingWorker } from '../../workers/polling-worker.js';
import { webhookDeliveries } from '../../metrics/metrics.js';
import { injectTraceHeaders, inSpan, markFailed, SpanKind, type Span } from '../../telemetry/index.js';

export interface WorkerOptions {
  /** Seconds to wait before each retry; after the last one the delivery is dead. */
  retryDelays: number[];
  pollMs: number;
  timeoutMs: number;
  /** Deliveries claimed per round. */
  batchSize?: number;
  /** Send to loopback, private and link-local addresses too (PATRON_WEBHOOK_ALLOW_PRIVATE; local development). */
  allowPrivate?: boolean;
}

/** Why a send failed, as the attempt records it: fetch's own message says little ("fetch failed"). */
function failureOf(cause: unknown, timeoutMs: number): string {
  if (!(cause instanceof Error)) return String(cause);
  if (cause.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  const inner = cause.cause instanceof Error ? cause.cause.message : undefined;
  return inner ? `${cause.message}: ${inner}` : cause.message;
}

/**
 * Sends queued webhook deliveries. Every `patron serve` runs one; several nodes share the work
 * through claims with a lease (a node that dies mid-send loses its claim when the lease runs
 * out, and the delivery is sent again: at least once, never lost).
 */
export class WebhookWorker extends PollingWorker {
  /** Connections go only to public addresses unless allowed otherwise (safe-target.ts); redirects are never followed. */
  private readonly dispatcher: Agent;
  /** Aborted on stop: sends in flight end at once and their deliveries are handed back. */
  private readonly stopSends = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly options: WorkerOptions,
    log: FastifyBaseLogger,
  ) {
    super('webhooks', options.pollMs, log, outboxSignal);
    this.dispatcher = options.allowPrivate ? new Agent() : guardedAgent();
  }

  override async stop(): Promise<void> {
    this.stopSends.abort();
    await super.stop();
    await this.dispatcher.close();
  }

  protected round(): Promise<number> {
    return this.deliverDue();
  }

  /** One round: claim what is due, send it, record each outcome. Returns how many were sent. */
  async deliverDue(): Promise<number> {
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.options.timeoutMs + 5_000).toISOString();
    const ids = await this.store.write(({ db: trx }) =>
      claimDueDeliveries(trx, this.store.dialect, now.toISOString(), leaseUntil, this.options.batchSize ?? 50),
    );
    if (ids.length === 0) return 0;
    const jobs = await loadDeliveryJobs(this.store.db, ids);
    // Claims never hold two deliveries of one profile, so these may go out side by side.
    await Promise.all(
      jobs.map((job) =>
        inSpan(
          'webhook delivery',
          {
            'http.request.method': 'POST',
            'server.address': new URL(job.url).hostname,
            'patron.webhook.delivery_id': job.id,
            'patron.webhook.topic': job.topic,
            'patron.webhook.attempt': job.attempts + 1,
          },
          (span) => this.deliver(job, span),
          SpanKind.CLIENT,
        ),
      ),
    );
    return jobs.length;
  }

  private async deliver(job: DeliveryJob, span: Span | undefined): Promise<void> {
    const attempt = job.attempts + 1;
    const startedAt = new Date();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      if (!this.options.allowPrivate) checkLiteralTarget(new URL(job.url));
      const response = await fetch(job.url, {
        dispatcher: this.dispatcher,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Patron-Webhooks/1',
          'x-gb-webhook-version': 'v4',
          'x-patron-event-id': job.eventId,
          // Signed again at every attempt: Standard Webhooks' timestamp is this attempt's.
          ...signatureHeaders(job.signature, job.secret, { id: job.eventId, at: startedAt, body: job.payload }),
          // The receiver continues the delivery's trace when tracing is on.
          ...injectTraceHeaders({}),
        },
        body: job.payload,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.stopSends.signal]),
      });
      statusCode = response.status;
      span?.setAttribute('http.response.status_code', statusCode);
      await response.body?.cancel();
      if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
    } catch (cause) {
      if (this.stopSends.signal.aborted) {
        // Shutting down: not an attempt. The delivery goes back to the queue for any node now.
        await this.store.write(({ db }) => releaseDelivery(db, job.id));
        webhookDeliveries.inc({ outcome: 'handed_back' });
        return;
      }
      error = failureOf(cause, this.options.timeoutMs);
    }
    const finished = new Date();
    const delays = this.options.retryDelays;
    let status: DeliveryStatus = 'delivered';
    let nextAttemptAt = finished.toISOString();
    if (error !== null) {
      const delay = delays[attempt - 1];
      status = delay === undefined ? 'dead' : 'pending';
      if (delay !== undefined) nextAttemptAt = new Date(finished.getTime() + delay * 1000).toISOString();
    }
    webhookDeliveries.inc({ outcome: status === 'pending' ? 'failed' : status });
    if (span && error !== null) markFailed(span, new Error('delivery failed'));
    await this.store.write(({ db: trx }) =>
      recordAttempt(
        trx,
        job.id,
        {
          attempt,
          startedAt: startedAt.toISOString(),
          durationMs: finished.getTime() - startedAt.getTime(),
          statusCode,
          error,
        },
        { status, nextAttemptAt, deliveredAt: status === 'delivered' ? finished.toISOString() : null },
      ),
    );
    if (error !== null)
      this.log.info({ delivery: job.id, topic: job.topic, attempt, status, error }, 'webhook delivery failed');
  }
}
