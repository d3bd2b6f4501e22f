import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys carry 192 random bits, so a fast hash is enough to store them: nobody can guess
 * a key from its SHA-256 the way one guesses a password.
 */
export function generateKey(prefix: 'pk' | 'sk' | 'hs'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
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
