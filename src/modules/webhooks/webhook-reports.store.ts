import type { Db } from '../../db/database.js';
import { readJson } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';

/** Reads of the outbox for others to show: a profile's events (its export) and the backlog (/metrics). */

/** An event about a profile with its deliveries, as the profile's export shows it. */
export interface ProfileEvent {
  eventId: string;
  topic: string;
  createdAt: string;
  payload: unknown;
  deliveries: Array<{
    id: number;
    url: string;
    status: string;
    attempts: number;
    lastStatus: number | null;
    deliveredAt: string | null;
  }>;
}

/** Every webhook event about one profile, oldest first, with where each was delivered. */
export async function eventsOfProfile(sql: SqlRunner, accountId: string, gameballId: number): Promise<ProfileEvent[]> {
  const events = await sql.all<{ id: number; event_id: string; topic: string; payload: string; created_at: string }>(
    'select id, event_id, topic, payload, created_at from webhook_events where gameball_id = ? and account_id = ? order by id',
    [gameballId, accountId],
  );
  const deliveries = await sql.all<{
    id: number;
    event_id: number;
    url: string;
    status: string;
    attempts: number;
    last_status: number | null;
    delivered_at: string | null;
  }>(
    'select d.id, d.event_id, s.url, d.status, d.attempts, d.last_status, d.delivered_at from webhook_deliveries d ' +
      'join webhook_subscriptions s on s.id = d.subscription_id join webhook_events e on e.id = d.event_id where e.gameball_id = ? and e.account_id = ? order by d.id',
    [gameballId, accountId],
  );
  return events.map((event) => ({
    eventId: event.event_id,
    topic: event.topic,
    createdAt: event.created_at,
    payload: readJson<unknown>(event.payload, null),
    deliveries: deliveries
      .filter((d) => Number(d.event_id) === Number(event.id))
      .map((d) => ({
        id: Number(d.id),
        url: d.url,
        status: d.status,
        attempts: d.attempts,
        lastStatus: d.last_status,
        deliveredAt: d.delivered_at,
      })),
  }));
}

/** Deliveries by status, for /metrics: the outbox backlog (pending, retries included) and the dead. */
export async function countDeliveriesByStatus(db: Db): Promise<Record<'pending' | 'dead', number>> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'dead'])
    .groupBy('status')
    .execute();
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { pending: count('pending'), dead: count('dead') };
}
