import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys carry 192 random bits, so a fast hash is enough to store them: nobody can guess
 * a key from its SHA-256 the way one guesses a password.
 */
export function generateKey(prefix: 'pk' | 'hs'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/**
 * A secret key is exactly 32 ASCII characters: Gameball's published session-token samples use the
 * SecretKey's UTF-8 bytes directly as a 256-bit key. `sk_` and 29 base64url characters: 174
 * random bits, still recognisable as a secret to scanners.
 */
export const SECRET_KEY_LENGTH = 32;

export function generateSecretKey(): string {
  return `sk_${randomBytes(22)
    .toString('base64url')
    .slice(0, SECRET_KEY_LENGTH - 3)}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function keyMatches(key: string, storedHash: string): boolean {
  const given = Buffer.from(hashKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export function generateAccountId(): string {
  return `acc_${randomBytes(9).toString('base64url')}`;
}
