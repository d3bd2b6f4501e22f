import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { WriteTx } from '../../db/sql-runner.js';
import type { AccountRecord } from '../accounts/index.js';
import { insertDeliveries, insertEvent, listSubscriptions } from './webhooks.store.js';
import type { OutboxEvent, Topic, WebhookPayload } from './webhooks.types.js';

/** Tells this process's delivery worker that a committed transaction queued deliveries. */
export const outboxSignal = new EventEmitter();

/** Call after the commit (not before: the worker would find nothing yet). */
export function notifyQueued(queued: number): void {
  if (queued > 0) outboxSignal.emit('queued');
}

/**
 * The outbox of one transaction. Events are written in the caller's transaction, so a change and
 * its events commit together or not at all. Opening it reads the account's subscriptions once
 * (not at all for an account without any); callers ask `wants(topic)` before building an event.
 */
export interface Outbox {
  /** False when the account has no subscription: nothing will be written, whatever is added. */
  readonly subscribed: boolean;
  wants(topic: Topic): boolean;
  add(event: OutboxEvent): void;
  /** Writes the added events and their deliveries; returns how many deliveries were queued. */
  flush(now: string): Promise<number>;
  /** Drops events added since the last flush (their change was rolled back). */
  discard(): void;
}

const NO_OUTBOX: Outbox = {
  subscribed: false,
  wants: () => false,
  add: () => undefined,
  flush: async () => 0,
  discard: () => undefined,
};

export async function openOutbox(tx: WriteTx, account: AccountRecord): Promise<Outbox> {
  // The account was read when the request was authenticated: a subscription added since then
  // applies from the next change on.
  if (!account.hasWebhooks) return NO_OUTBOX;
  // Kysely on the transaction's connection only now: most accounts have no webhooks.
  const trx = tx.db;
  const subscriptions = await listSubscriptions(trx, account.id);
  const events: OutboxEvent[] = [];
  return {
    subscribed: subscriptions.length > 0,
    wants: (topic) => subscriptions.some((s) => s.topics.includes(topic)),
    add: (event) => void events.push(event),
    discard: () => void (events.length = 0),
    async flush(now) {
      let queued = 0;
      for (const event of events) {
        const targets = subscriptions.filter((s) => s.topics.includes(event.topic));
        if (targets.length === 0) continue;
        const payload: WebhookPayload = {
          event: event.topic,
          client_id: account.id,
          customer_id: event.customerId,
          gb_customer_id: event.gameballId,
          created_at: now,
          data: event.data,
        };
        const id = await insertEvent(trx, {
          eventId: randomUUID(),
          accountId: account.id,
          topic: event.topic,
          gameballId: event.gameballId,
          payload: JSON.stringify(payload),
          now,
        });
        await insertDeliveries(
          trx,
          targets.map((s) => ({
            eventId: id,
            subscriptionId: s.id,
            accountId: account.id,
            orderingKey: String(event.gameballId),
            now,
          })),
        );
        queued += targets.length;
      }
      events.length = 0;
      return queued;
    },
  };
}
