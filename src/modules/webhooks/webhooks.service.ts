import { randomBytes } from 'node:crypto';
import type { Store } from '../../db/connect.js';
import { AppError, invalid } from '../../errors.js';
import { forgetAccount, getAccount, setWebhookFlag } from '../accounts/index.js';
import {
  DEFAULT_SIGNATURE_SCHEME,
  generateWebhookSecret,
  isStandardWebhooksSecret,
  SIGNATURE_SCHEMES,
  STANDARD_KEY_BYTES,
  type SignatureScheme,
} from './webhook-signature.js';
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

/**
 * A secret the receiver already verifies with. For `standard-webhooks`, a Standard Webhooks secret
 * (its key is the decoded bytes); for the legacy schemes (moving from Gameball), any printable
 * string of 16 to 255 characters, used as it is.
 */
function checkSecret(scheme: SignatureScheme, raw: string): string {
  if (scheme === 'standard-webhooks') {
    if (!isStandardWebhooksSecret(raw))
      throw invalid(
        'secret',
        `with the standard-webhooks signature, must be whsec_ followed by standard base64 (A-Z, a-z, 0-9, + and /, padded with =) of ${STANDARD_KEY_BYTES.min} to ${STANDARD_KEY_BYTES.max} bytes`,
      );
    return raw;
  }
  if (!/^[\x21-\x7e]{16,255}$/.test(raw))
    throw invalid('secret', 'must be 16 to 255 printable ASCII characters without spaces');
  return raw;
}

export interface SubscriptionOptions {
  /** Default standard-webhooks. */
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
    signature: checkSignature(options.signature ?? DEFAULT_SIGNATURE_SCHEME),
    createdAt: new Date().toISOString(),
  };
  const secret =
    options.secret === undefined
      ? generateWebhookSecret(subscription.signature)
      : checkSecret(subscription.signature, options.secret);
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
