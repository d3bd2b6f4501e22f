import { randomBytes } from 'node:crypto';
import type { Store } from '../../db/connect.js';
import { AppError, invalid } from '../../errors.js';
import { forgetAccount, getAccount, setWebhookFlag } from '../accounts/index.js';
import { generateWebhookSecret, SIGNATURE_SCHEMES, type SignatureScheme } from './webhook-signature.js';
import {
  deleteSubscription,
  hasSubscriptions,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  requeueDelivery,
  type DeliveryRow,
} from './webhooks.store.js';
import { TOPICS, type Subscription, type Topic } from './webhooks.types.js';
import { checkTargetUrl, ForbiddenTargetError } from './safe-target.js';

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('url', 'must be an absolute http(s) URL');
  return url.toString();
}

function checkTopics(raw: string[]): Topic[] {
  const topics = [...new Set(raw.map((t) => t.trim()).filter((t) => t !== ''))];
  if (topics.length === 0) throw invalid('topics', `name at least one of ${TOPICS.join(', ')}`);
  const unknown = topics.find((t) => !(TOPICS as readonly string[]).includes(t));
  if (unknown) throw invalid('topics', `"${unknown}" is not a topic; topics are ${TOPICS.join(', ')}`);
  return topics as Topic[];
}

function checkSignature(raw: string): SignatureScheme {
  if (!(SIGNATURE_SCHEMES as readonly string[]).includes(raw))
    throw invalid('signature', `must be one of ${SIGNATURE_SCHEMES.join(', ')}`);
  return raw as SignatureScheme;
}

/** A secret the receiver already verifies with (moving from Gameball): printable, 16 to 255 characters. */
function checkSecret(raw: string): string {
  if (!/^[\x21-\x7e]{16,255}$/.test(raw))
    throw invalid('secret', 'must be 16 to 255 printable ASCII characters without spaces');
  return raw;
}

export interface SubscriptionOptions {
  /** Default hmac-sha256. */
  signature?: string;
  /** Default: a new random secret. */
  secret?: string;
  /** Accept receivers at loopback, private and link-local addresses (PATRON_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate?: boolean;
}

/** Subscribes a URL to topics; the signing secret is returned once. */
export async function addSubscription(
  store: Store,
  accountId: string,
  url: string,
  topics: string[],
  options: SubscriptionOptions = {},
): Promise<Subscription & { secret: string }> {
  await getAccount(store, accountId);
  const checked = checkUrl(url);
  if (!options.allowPrivate) {
    await checkTargetUrl(new URL(checked)).catch((error: unknown) => {
      throw error instanceof ForbiddenTargetError ? invalid('url', error.message) : error;
    });
  }
  const subscription: Subscription = {
    id: `wh_${randomBytes(9).toString('base64url')}`,
    accountId,
    url: checked,
    topics: checkTopics(topics),
    signature: checkSignature(options.signature ?? 'hmac-sha256'),
    createdAt: new Date().toISOString(),
  };
  const secret = options.secret === undefined ? generateWebhookSecret() : checkSecret(options.secret);
  await store.write(async (tx) => {
    await insertSubscription(tx.db, subscription, secret);
    await setWebhookFlag(tx, accountId, true);
  });
  // The account's webhook flag changed: this node applies it from the next request.
  forgetAccount(accountId);
  return { ...subscription, secret };
}

export async function getSubscriptions(store: Store, accountId: string): Promise<Subscription[]> {
  await getAccount(store, accountId);
  return listSubscriptions(store.db, accountId);
}

/** Removes a subscription; its queued deliveries go with it. */
export async function removeSubscription(store: Store, id: string): Promise<void> {
  const accountId = await store.write(async (tx) => {
    const owner = await deleteSubscription(tx.db, id);
    if (owner === undefined) throw new AppError('notFound', `No webhook subscription with id "${id}".`);
    await setWebhookFlag(tx, owner, await hasSubscriptions(tx.db, owner));
    return owner;
  });
  forgetAccount(accountId);
}

export async function getDeliveries(
  store: Store,
  accountId: string,
  onlyDead: boolean,
  limit = 100,
): Promise<DeliveryRow[]> {
  await getAccount(store, accountId);
  return listDeliveries(store.db, accountId, { ...(onlyDead && { status: 'dead' as const }), limit });
}

/**
 * Queues a delivery again, due now, with a fresh retry schedule; a running node sends it. With
 * `accountId` (the console), only a delivery of that account: another's is not found.
 */
export async function replayDelivery(store: Store, deliveryId: number, accountId?: string): Promise<void> {
  if (
    !Number.isInteger(deliveryId) ||
    !(await requeueDelivery(store.db, deliveryId, new Date().toISOString(), accountId))
  ) {
    throw new AppError(
      'notFound',
      `No webhook delivery with id "${deliveryId}"${accountId === undefined ? '' : ' in this account'}.`,
    );
  }
}
