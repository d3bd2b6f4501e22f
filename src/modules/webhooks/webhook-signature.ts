import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * How X-GB-Signature is made. `hmac-sha256` (the default): hex HMAC-SHA256 of the raw body
 * under the subscription secret. `gameball-v4`: Gameball's v4 webhooks, the lower-case hex
 * SHA-1 of the raw body followed by ":" and the secret — a plain hash, kept only so receivers
 * written for Gameball verify Patron's deliveries unchanged.
 */
export const SIGNATURE_SCHEMES = ['hmac-sha256', 'gameball-v4'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
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
  { body }: SignedAttempt,
): Record<string, string> {
  switch (scheme) {
    case 'hmac-sha256':
      return { 'x-gb-signature': createHmac('sha256', secret).update(body, 'utf8').digest('hex') };
    case 'gameball-v4':
      return { 'x-gb-signature': createHash('sha1').update(`${body}:${secret}`, 'utf8').digest('hex') };
  }
}
