import { createHmac, timingSafeEqual } from 'node:crypto';

/** A hash is issued for one window and accepted during it and the next: 1 to 2 hours. */
export const HASH_WINDOW_SECONDS = 3600;

function windowAt(at: number): number {
  return Math.floor(at / 1000 / HASH_WINDOW_SECONDS);
}

function hashFor(secret: string, gameballId: number, window: number): string {
  return createHmac('sha256', secret).update(`${gameballId}.${window}`).digest('base64url').slice(0, 32);
}

/**
 * A rotating proof of possession of one customer: HMAC-SHA256 of the gameballId and the current
 * hour under the account's own hash secret. It reveals nothing about the customer and cannot
 * be forged without that secret.
 */
export function issueCustomerHash(
  secret: string,
  gameballId: number,
  at = Date.now(),
): { hash: string; expiresAt: string } {
  const window = windowAt(at);
  return {
    hash: hashFor(secret, gameballId, window),
    expiresAt: new Date((window + 2) * HASH_WINDOW_SECONDS * 1000).toISOString(),
  };
}

export function verifyCustomerHash(secret: string, gameballId: number, hash: string, at = Date.now()): boolean {
  const given = Buffer.from(hash);
  const window = windowAt(at);
  return [window, window - 1].some((w) => {
    const expected = Buffer.from(hashFor(secret, gameballId, w));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
