import { createHmac, randomBytes } from 'node:crypto';

/** X-GB-Signature: hex HMAC-SHA256 of the raw body under the subscription secret. */
export function signBody(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}
