import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * How a delivery is signed, chosen per subscription (docs/webhooks.md "Signatures").
 *
 * - `standard-webhooks` (the default for new subscriptions): Standard Webhooks
 *   (https://www.standardwebhooks.com). `webhook-signature` is `v1,` + the base64 HMAC-SHA256 of
 *   `${webhook-id}.${webhook-timestamp}.${body}` under the secret's decoded bytes. The timestamp is
 *   signed, so a captured delivery cannot be replayed once receivers' tolerance has passed.
 * - `hmac-sha256`: X-GB-Signature, the hex HMAC-SHA256 of the raw body alone under the whole
 *   secret string. A captured delivery verifies forever; kept for the receivers already using it.
 * - `gameball-v4`: X-GB-Signature as Gameball's v4 webhooks make it, the lower-case hex SHA-1 of
 *   the raw body followed by ":" and the secret — a plain hash, kept only so receivers written for
 *   Gameball verify Patron's deliveries unchanged.
 */
export const SIGNATURE_SCHEMES = ['standard-webhooks', 'hmac-sha256', 'gameball-v4'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];
export const DEFAULT_SIGNATURE_SCHEME: SignatureScheme = 'standard-webhooks';

const SECRET_PREFIX = 'whsec_';
/** Standard base64 (RFC 4648 §4: `+` and `/`, padded), not base64url: what Standard Webhooks libraries decode. */
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The key sizes of a Standard Webhooks secret Patron accepts (the spec's 24 to 64 bytes). */
export const STANDARD_KEY_BYTES = { min: 24, max: 64 } as const;

/** The HMAC key of a `standard-webhooks` secret: the bytes its base64 after `whsec_` decodes to. */
function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** Whether a secret is one Standard Webhooks receivers can use: `whsec_` + standard base64 of 24 to 64 bytes. */
export function isStandardWebhooksSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX) || !STANDARD_BASE64.test(secret.slice(SECRET_PREFIX.length))) return false;
  const bytes = standardWebhooksKey(secret).length;
  return bytes >= STANDARD_KEY_BYTES.min && bytes <= STANDARD_KEY_BYTES.max;
}

/** A new secret in the scheme's format: 24 random bytes, as standard base64 or (the legacy schemes' format) base64url. */
export function generateWebhookSecret(scheme: SignatureScheme): string {
  const bytes = randomBytes(24);
  return SECRET_PREFIX + bytes.toString(scheme === 'standard-webhooks' ? 'base64' : 'base64url');
}

/** One attempt of one delivery, as it is signed. */
export interface SignedAttempt {
  /** The event id: the same on every attempt of a delivery, so receivers de-duplicate on it. */
  id: string;
  /** When this attempt is made: each attempt is signed again. */
  at: Date;
  /** The exact body sent. */
  body: string;
}

/** The headers that sign one attempt under the subscription's scheme and secret. */
export function signatureHeaders(
  scheme: SignatureScheme,
  secret: string,
  { id, at, body }: SignedAttempt,
): Record<string, string> {
  switch (scheme) {
    case 'standard-webhooks': {
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const mac = createHmac('sha256', standardWebhooksKey(secret))
        .update(`${id}.${timestamp}.${body}`, 'utf8')
        .digest('base64');
      return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${mac}` };
    }
    case 'hmac-sha256':
      return { 'x-gb-signature': createHmac('sha256', secret).update(body, 'utf8').digest('hex') };
    case 'gameball-v4':
      return { 'x-gb-signature': createHash('sha1').update(`${body}:${secret}`, 'utf8').digest('hex') };
  }
}
