import { sql, type Selectable } from 'kysely';
import type { Db, DeliveryStatus, WebhookSubscriptionsTable } from '../../db/database.js';
import { readJson } from '../../db/database.js';
import type { Subscription, Topic } from './webhooks.types.js';
import type { Dialect } from '../../db/dialect.js';
import type { SignatureScheme } from './webhook-signature.js';

/** A subscription as the store reads it, its secret aside. */
type SubscriptionRow = Omit<Selectable<WebhookSubscriptionsTable>, 'secret'>;

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    accountId: row.account_id,
    url: row.url,
    topics: readJson<Topic[]>(row.topics, []),
    signature: row.signature,
    createdAt: row.created_at,
  };
}

export async function insertSubscription(db: Db, subscription: Subscription, secret: string): Promise<void> {
  await db
    .insertInto('webhook_subscriptions')
    .values({
      id: subscription.id,
      account_id: subscription.accountId,
      url: subscription.url,
      topics: JSON.stringify(subscription.topics),
      secret,
      signature: subscription.signature,
      created_at: subscription.createdAt,
    })
    .execute();
}

export async function listSubscriptions(db: Db, accountId: string): Promise<Subscription[]> {
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .execute();
  return rows.map(toSubscription);
}

/** Returns the account the subscription belonged to, or undefined when there was none. */
export async function hasSubscriptions(db: Db, accountId: string): Promise<boolean> {
  const any = await db
    .selectFrom('webhook_subscriptions')
    .select('id')
    .where('account_id', '=', accountId)
    .limit(1)
    .executeTakeFirst();
  return any !== undefined;
}

export async function deleteSubscription(db: Db, id: string): Promise<string | undefined> {
  const row = await db
    .deleteFrom('webhook_subscriptions')
    .where('id', '=', id)
    .returning('account_id')
    .executeTakeFirst();
  return row?.account_id;
}

export async function insertEvent(
  db: Db,
  event: { eventId: string; accountId: string; topic: Topic; gameballId: number; payload: string; now: string },
): Promise<number> {
  const row = await db
    .insertInto('webhook_events')
    .values({
      event_id: event.eventId,
      account_id: event.accountId,
      topic: event.topic,
      gameball_id: event.gameballId,
      payload: event.payload,
      created_at: event.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function insertDeliveries(
  db: Db,
  deliveries: Array<{ eventId: number; subscriptionId: string; accountId: string; orderingKey: string; now: string }>,
): Promise<void> {
  if (deliveries.length === 0) return;
  await db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        event_id: d.eventId,
        subscription_id: d.subscriptionId,
        account_id: d.accountId,
        ordering_key: d.orderingKey,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: d.now,
        claimed_until: null,
        last_status: null,
        last_error: null,
        created_at: d.now,
        delivered_at: null,
      })),
    )
    .execute();
}

/**
 * Claims up to `limit` due deliveries until `leaseUntil`. A delivery is due when it is pending,
 * its time has come, nobody holds an unexpired claim on it, and no earlier delivery of the same
 * subscription and profile is still pending — which is what keeps one profile's events in order.
 * With SKIP LOCKED, nodes claiming at once take different rows instead of waiting.
 */
export async function claimDueDeliveries(
  db: Db,
  dialect: Dialect,
  now: string,
  leaseUntil: string,
  limit: number,
): Promise<number[]> {
  const due = dialect.claimable(
    db
      .selectFrom('webhook_deliveries as d')
      .select('d.id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<', now)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as e')
              .select(sql`1`.as('one'))
              .whereRef('e.subscription_id', '=', 'd.subscription_id')
              .whereRef('e.ordering_key', '=', 'd.ordering_key')
              .where('e.status', '=', 'pending')
              .whereRef('e.id', '<', 'd.id'),
          ),
        ),
      )
      .orderBy('d.id')
      .limit(limit),
  );
  const rows = await db
    .updateTable('webhook_deliveries')
    .set({ claimed_until: leaseUntil })
    .where('id', 'in', due)
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

export interface DeliveryJob {
  id: number;
  attempts: number;
  eventId: string;
  topic: string;
  payload: string;
  url: string;
  secret: string;
  signature: SignatureScheme;
}

export async function loadDeliveryJobs(db: Db, ids: number[]): Promise<DeliveryJob[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select(['d.id', 'd.attempts', 'ev.event_id', 'ev.topic', 'ev.payload', 's.url', 's.secret', 's.signature'])
    .where('d.id', 'in', ids)
    .orderBy('d.id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    attempts: r.attempts,
    eventId: r.event_id,
    topic: r.topic,
    payload: r.payload,
    url: r.url,
    secret: r.secret,
    signature: r.signature,
  }));
}

export interface AttemptOutcome {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export async function recordAttempt(
  db: Db,
  deliveryId: number,
  outcome: AttemptOutcome,
  next: { status: DeliveryStatus; nextAttemptAt: string; deliveredAt: string | null },
): Promise<void> {
  // The attempt names its account as every row of an account's data does: the delivery's.
  await db
    .insertInto('webhook_attempts')
    .columns(['account_id', 'delivery_id', 'attempt', 'started_at', 'duration_ms', 'status_code', 'error'])
    .expression((eb) =>
      eb
        .selectFrom('webhook_deliveries')
        .select((s) => [
          'account_id',
          'id',
          s.val(outcome.attempt).as('attempt'),
          s.val(outcome.startedAt).as('started_at'),
          s.val(outcome.durationMs).as('duration_ms'),
          s.val(outcome.statusCode).as('status_code'),
          s.val(outcome.error).as('error'),
        ])
        .where('id', '=', deliveryId),
    )
    .execute();
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: next.status,
      attempts: outcome.attempt,
      next_attempt_at: next.nextAttemptAt,
      claimed_until: null,
      last_status: outcome.statusCode,
      last_error: outcome.error,
      delivered_at: next.deliveredAt,
    })
    .where('id', '=', deliveryId)
    .execute();
}

/** Gives a claimed delivery back unsent (its node is shutting down): due again at once, for any node. */
export async function releaseDelivery(db: Db, deliveryId: number): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ claimed_until: null }).where('id', '=', deliveryId).execute();
}

export interface DeliveryRow {
  id: number;
  eventId: string;
  topic: string;
  subscriptionId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export async function listDeliveries(
  db: Db,
  accountId: string,
  options: { status?: DeliveryStatus; limit: number },
): Promise<DeliveryRow[]> {
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as ev', 'ev.id', 'd.event_id')
    .select([
      'd.id',
      'ev.event_id',
      'ev.topic',
      'd.subscription_id',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_status',
      'd.last_error',
      'd.created_at',
      'd.delivered_at',
    ])
    .where('d.account_id', '=', accountId)
    .$if(options.status !== undefined, (qb) => qb.where('d.status', '=', options.status!))
    .orderBy('d.id', 'desc')
    .limit(options.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    eventId: r.event_id,
    topic: r.topic,
    subscriptionId: r.subscription_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  }));
}

/** Puts a delivery back in the queue, due now, with a fresh retry schedule. */
export async function requeueDelivery(db: Db, id: number, now: string, accountId?: string): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, claimed_until: null, delivered_at: null })
    .where('id', '=', id)
    .$if(accountId !== undefined, (query) => query.where('account_id', '=', accountId!))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
