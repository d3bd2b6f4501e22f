import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a subscription signs its deliveries (`patron webhooks add --signature`):
 * - `standard-webhooks` (standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
 *   `webhook-signature` (`v1,<base64>` entries), HMAC-SHA256 of `id.timestamp.body` keyed with the
 *   base64 after the secret's `whsec_` prefix; the timestamp lets a receiver refuse replays.
 * - `hmac-sha256`: `x-gb-signature`, hex HMAC-SHA256 of the body keyed with the whole secret
 *   (`whsec_` included) as UTF-8 (docs/webhooks.md "Verifying a signature").
 * - `gameball-v4`: `x-gb-signature`, hex SHA-1 of `body:secret`, for receivers written for Gameball.
 */
export type WebhookScheme = 'standard-webhooks' | 'hmac-sha256' | 'gameball-v4';

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyWebhookInput {
  /** The subscription secret as `patron webhooks add` printed it. */
  secret: string;
  headers: WebhookHeaders;
  /** The body exactly as received, before any JSON parsing. */
  body: string | Uint8Array;
  /** The subscription's scheme; the sender does not get to choose it. Default `standard-webhooks`. */
  scheme?: WebhookScheme;
  /** Standard Webhooks: how far `webhook-timestamp` may be from now, either way. Default 300. */
  toleranceSeconds?: number;
  /** The clock, for tests. */
  now?: Date;
}

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

/** Constant time: how much of a guess matches must not show in how long the answer takes. */
function same(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function fromHex(text: string | undefined): Buffer {
  return text !== undefined && /^[0-9a-f]+$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.alloc(0);
}

function checkStandard(input: VerifyWebhookInput): void {
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures)
    throw new WebhookVerificationError('missing webhook-id, -timestamp or -signature');
  const seconds = /^\d+$/.test(timestamp) ? Number(timestamp) : NaN;
  const now = (input.now ?? new Date()).getTime() / 1000;
  if (!(Math.abs(now - seconds) <= (input.toleranceSeconds ?? 300)))
    throw new WebhookVerificationError('webhook-timestamp is outside the tolerance: too old, too new, or unreadable');
  // Node's base64 decoder reads the URL-safe alphabet too.
  const key = Buffer.from(input.secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(input.body).digest();
  const match = signatures
    .split(' ')
    .some((entry) => entry.startsWith('v1,') && same(Buffer.from(entry.slice(3), 'base64'), expected));
  if (!match) throw new WebhookVerificationError('no webhook-signature entry matches');
}

function checkLegacy(input: VerifyWebhookInput, scheme: 'hmac-sha256' | 'gameball-v4'): void {
  const expected =
    scheme === 'hmac-sha256'
      ? createHmac('sha256', input.secret).update(input.body).digest()
      : createHash('sha1').update(input.body).update(`:${input.secret}`).digest();
  if (!same(fromHex(header(input.headers, 'x-gb-signature')), expected))
    throw new WebhookVerificationError(`x-gb-signature is not the ${scheme} signature of this body`);
}

/**
 * Checks a delivery's signature and answers its parsed event; throws WebhookVerificationError when
 * the delivery was not signed with this secret (or is stale). The legacy schemes carry no
 * timestamp: de-duplicate on `x-patron-event-id` to refuse a replay there.
 */
export function verifyWebhook<Event = unknown>(input: VerifyWebhookInput): Event {
  const scheme = input.scheme ?? 'standard-webhooks';
  if (scheme === 'standard-webhooks') checkStandard(input);
  else checkLegacy(input, scheme);
  const text = typeof input.body === 'string' ? input.body : new TextDecoder().decode(input.body);
  return JSON.parse(text) as Event;
}
