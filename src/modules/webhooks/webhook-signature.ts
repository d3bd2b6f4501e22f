import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * How X-GB-Signature is made. `hmac-sha256` (the default): hex HMAC-SHA256 of the raw body
 * under the subscription secret. `gameball-v4`: Gameball's v4 webhooks, the lower-case hex
 * SHA-1 of the raw body followed by ":" and the secret — a plain hash, kept only so receivers
 * written for Gameball verify Patron's deliveries unchanged.
 */
export const SIGNATURE_SCHEMES = ['hmac-sha256', 'gameball-v4'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export function signBody(scheme: SignatureScheme, secret: string, body: string): string {
  if (scheme === 'gameball-v4') return createHash('sha1').update(`${body}:${secret}`, 'utf8').digest('hex');
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}
