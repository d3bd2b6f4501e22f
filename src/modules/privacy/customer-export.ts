import type { Store } from '../../db/connect.js';
import { readJson } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/accounts.types.js';
import { customerDetailsView } from '../customers/customer.view.js';
import { findProfileByCustomerId, listCustomerIds } from '../customers/customers.store.js';
import { readWholeHistory } from '../history/history.store.js';
import type { HistoryEntry } from '../history/history.types.js';

/** A referral as the export shows it: the other side by ids only (their personal data is theirs). */
interface ExportedReferral {
  gameballId: number;
  customerId: string | null;
  status: string;
  createdAt: string;
  completedAt: string | null;
}

interface ExportedEvent {
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

export interface CustomerExport {
  exportedAt: string;
  accountId: string;
  gameballId: number;
  customerIds: string[];
  /** As GET …/details answers: every attribute, custom, devices and tags included. */
  profile: ReturnType<typeof customerDetailsView>;
  devices: unknown[];
  tags: string[];
  referrals: {
    referredBy: (ExportedReferral & { referralCode: string | null }) | null;
    referredFriends: ExportedReferral[];
  };
  /** Oldest first. */
  history: HistoryEntry[];
  webhookEvents: ExportedEvent[];
}

interface ReferralRow {
  gameball_id: number;
  customer_id: string | null;
  referral_code?: string | null;
  status: string;
  created_at: string;
  completed_at: string | null;
}

/** The profile's first customerId, as referral listings name a friend (listReferredFriends). */
const FIRST_CUSTOMER_ID =
  '(select c.customer_id from customer_ids c where c.gameball_id = p.gameball_id order by c.created_at, c.customer_id limit 1)';

const toReferral = (row: ReferralRow): ExportedReferral => ({
  gameballId: Number(row.gameball_id),
  customerId: row.customer_id,
  status: row.status,
  createdAt: row.created_at,
  completedAt: row.completed_at,
});

async function referrals(sql: SqlRunner, gameballId: number): Promise<CustomerExport['referrals']> {
  const by = await sql.get<ReferralRow>(
    `select p.gameball_id, ${FIRST_CUSTOMER_ID} as customer_id, p.referral_code, r.status, r.created_at, r.completed_at ` +
      'from referrals r join profiles p on p.gameball_id = r.referrer_gameball_id where r.referee_gameball_id = ?',
    [gameballId],
  );
  const friends = await sql.all<ReferralRow>(
    `select p.gameball_id, ${FIRST_CUSTOMER_ID} as customer_id, r.status, r.created_at, r.completed_at ` +
      'from referrals r join profiles p on p.gameball_id = r.referee_gameball_id where r.referrer_gameball_id = ? order by r.id',
    [gameballId],
  );
  return {
    referredBy: by ? { ...toReferral(by), referralCode: by.referral_code ?? null } : null,
    referredFriends: friends.map(toReferral),
  };
}

async function webhookEvents(sql: SqlRunner, accountId: string, gameballId: number): Promise<ExportedEvent[]> {
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

/**
 * Everything Patron holds about the person a customerId reaches (right of access): the profile,
 * its customerIds, devices, tags, referrals given and received, its history and the webhook
 * events about it. Every read goes by the profile's indexes.
 */
export async function exportCustomer(
  store: Store,
  account: AccountRecord,
  customerId: string,
): Promise<CustomerExport> {
  return store.read(async (sql) => {
    const profile = await findProfileByCustomerId(sql, store.dialect, account.id, customerId);
    if (!profile)
      throw new AppError('customerNotFound', `No customer with customerId "${customerId}" in this account.`);
    const customerIds = await listCustomerIds(sql, profile.gameballId);
    return {
      exportedAt: new Date().toISOString(),
      accountId: account.id,
      gameballId: profile.gameballId,
      customerIds,
      profile: customerDetailsView(profile, customerId, account, customerIds),
      devices: profile.pushDevices,
      tags: profile.tags,
      referrals: await referrals(sql, profile.gameballId),
      history: await readWholeHistory(sql, profile),
      webhookEvents: await webhookEvents(sql, account.id, profile.gameballId),
    };
  });
}
